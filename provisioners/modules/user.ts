import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { assertGuestPath } from '../guest-path.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { type FileState, fileProbeScript, parseFileProbe } from '../remote-files.ts';
import { quoteShell, quoteWords } from '../shell-quote.ts';
import { ensureFile } from './ensure-file.ts';

type UserStep = Extract<ResolvedStep, { type: 'user' }>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

interface Account {
  readonly home: string;
  readonly shell: string;
  readonly password: 'none' | 'locked' | 'empty' | 'set' | 'unknown';
  readonly groups: readonly string[];
  readonly primary: string;
}

/**
 * An account with a shell, a home, supplementary groups (created when missing; other memberships are left alone),
 * no password (`*`: keys can log in, passwords cannot) and, when keys are given, exactly those authorized_keys.
 */
export async function runUserStep(ctx: ModuleContext, step: UserStep, attempt = 1): Promise<ModuleResult> {
  for (const name of [step.user, ...step.groups]) {
    if (!NAME.test(name)) throw new Error(`not a user or group name: ${JSON.stringify(name)}`);
  }
  const home = assertGuestPath(step.home, 'home');
  const shell = assertGuestPath(step.shell, 'shell');
  for (const [what, value] of [
    ['home', home],
    ['shell', shell],
  ] as const) {
    if (value.includes(':'))
      throw new Error(
        `a user's ${what} cannot contain ":" (it separates /etc/passwd fields): ${JSON.stringify(value)}`,
      );
  }
  for (const key of step.authorizedKeys) {
    if (/[\n\r]/.test(key)) throw new Error('an authorized key cannot contain a line break');
  }
  const sshDir = `${home}/.ssh`;
  const keysFile = `${sshDir}/authorized_keys`;
  const probe = await execAdmin(
    ctx,
    `${accountProbeScript(ctx.family.paths.etc, step.user, step.groups)}\necho :files\n${fileProbeScript([sshDir, keysFile])}`,
  );
  if (probe.exitCode !== 0) throw new RemoteCommandError(`probing user ${step.user}`, probe);
  const split = probe.stdout.indexOf(':files\n');
  const accountOutput = probe.stdout.slice(0, split);
  const [dirState, fileState] = parseFileProbe(probe.stdout.slice(split + ':files\n'.length), 2);
  const account = parseAccount(accountOutput);
  const existingGroups = new Set(
    accountOutput.split('\n').flatMap((line) => (line.startsWith('group ') ? [line.slice(6).trim()] : [])),
  );
  const missingGroups = step.groups.filter((group) => !existingGroups.has(group));
  const commands: string[] = [];
  const changes: string[] = [];
  if (missingGroups.length > 0) {
    commands.push(...missingGroups.map((group) => ctx.family.createGroup(group, step.system)));
    changes.push(`group ${missingGroups.join(', ')}`);
  }
  if (!account) {
    commands.push(ctx.family.createUser({ user: step.user, shell, home, system: step.system }));
    commands.push(...step.groups.map((group) => ctx.family.addUserToGroup(step.user, group)));
    commands.push(ctx.family.disablePassword(step.user));
    changes.unshift(`create ${step.user}`);
  } else {
    if (account.shell !== shell || account.home !== home) {
      commands.push(ctx.family.setShellAndHome(step.user, shell, home));
      changes.push(
        account.shell !== shell ? `shell ${account.shell} → ${shell}` : `home ${account.home} → ${home}`,
      );
    }
    const joins = step.groups.filter((group) => !account.groups.includes(group));
    commands.push(...joins.map((group) => ctx.family.addUserToGroup(step.user, group)));
    if (joins.length > 0) changes.push(`join ${joins.join(', ')}`);
    if (account.password !== 'none') {
      commands.push(ctx.family.disablePassword(step.user));
      changes.push(`password ${account.password} → none`);
    }
  }
  if (!ctx.check && commands.length > 0) {
    const result = await execAdmin(ctx, commands.join(' && '));
    // Another account tool (cloud-init, a package's post-install) may hold the lock for a moment: probe again, retry.
    if (result.exitCode !== 0 && attempt < 5 && /cannot lock \/etc\/|unable to lock/i.test(result.stderr)) {
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      return runUserStep(ctx, step, attempt + 1);
    }
    if (result.exitCode !== 0) throw new RemoteCommandError(`configuring user ${step.user}`, result);
  }
  if (step.authorizedKeys.length > 0) {
    const keyChange = await ensureKeys(
      ctx,
      step,
      account,
      { dir: dirState, file: fileState },
      sshDir,
      keysFile,
    );
    if (keyChange) changes.push(keyChange);
  }
  if (changes.length === 0) return { status: 'ok', reason: 'up to date' };
  return { status: 'changed', reason: `${ctx.check ? 'would ' : ''}${changes.join('; ')}` };
}

/** Prints `passwd HOME:SHELL`, `password none|locked|empty|set` (never the hash), `groups …`, `primary …`, `group G` per existing group. */
export function accountProbeScript(etc: string, user: string, groups: readonly string[]): string {
  return [
    `U=${quoteShell(user)}; export U`,
    `awk -F: '$1 == ENVIRON["U"] { print "passwd " $6 ":" $7 }' ${quoteShell(`${etc}/passwd`)}`,
    // Only the kind of password field is printed: a hash never leaves the guest.
    `awk -F: '$1 == ENVIRON["U"] { if ($2 == "*") print "password none"; else if ($2 ~ /^!/) print "password locked"; else if ($2 == "") print "password empty"; else print "password set" }' ${quoteShell(`${etc}/shadow`)} 2>/dev/null`,
    `if id -- "$U" >/dev/null 2>&1; then echo "groups $(id -Gn -- "$U")"; echo "primary $(id -gn -- "$U")"; fi`,
    `for g in ${quoteWords(groups)}; do G=$g awk -F: '$1 == ENVIRON["G"] { print "group " $1 }' ${quoteShell(`${etc}/group`)}; done`,
  ].join('\n');
}

function parseAccount(output: string): Account | undefined {
  const lines = output.split('\n');
  const value = (prefix: string) =>
    lines.find((line) => line.startsWith(`${prefix} `))?.slice(prefix.length + 1);
  const passwd = value('passwd');
  if (passwd === undefined) return undefined;
  const split = passwd.indexOf(':');
  const password = value('password');
  return {
    home: passwd.slice(0, split),
    shell: passwd.slice(split + 1),
    password:
      password === 'none' || password === 'locked' || password === 'empty' || password === 'set'
        ? password
        : 'unknown',
    groups: (value('groups') ?? '').split(/\s+/).filter(Boolean),
    primary: value('primary') ?? '',
  };
}

async function ensureKeys(
  ctx: ModuleContext,
  step: UserStep,
  account: Account | undefined,
  states: { readonly dir: FileState | undefined; readonly file: FileState | undefined },
  sshDir: string,
  keysFile: string,
): Promise<string | undefined> {
  const content = Buffer.from(`${step.authorizedKeys.join('\n')}\n`);
  if (ctx.check && !account) return `would write ${step.authorizedKeys.length} authorized key(s)`;
  const group = account?.primary || (await primaryGroup(ctx, step.user));
  const dirState = states.dir;
  const changes: string[] = [];
  const dirOk =
    dirState?.kind === 'directory' &&
    (dirState.mode & 0o7777) === 0o700 &&
    dirState.owner === step.user &&
    dirState.group === group;
  if (!dirOk) {
    if (!ctx.check) {
      const owner = quoteShell(`${step.user}:${group}`);
      const result = await execAdmin(
        ctx,
        `mkdir -p -- ${quoteShell(sshDir)} && chown ${owner} ${quoteShell(sshDir)} && chmod 0700 ${quoteShell(sshDir)}`,
      );
      if (result.exitCode !== 0) throw new RemoteCommandError(`creating ${sshDir}`, result);
    }
    changes.push(`${ctx.check ? 'would ' : ''}set up ${sshDir}`);
  }
  if (states.file) ctx.run.fileStates.set(keysFile, states.file);
  const file = await ensureFile(ctx, keysFile, content, { mode: '0600', owner: step.user, group });
  ctx.run.fileStates.delete(keysFile);
  if (file.status === 'changed') changes.push(`authorized_keys: ${file.reason}`);
  return changes.length > 0 ? changes.join(', ') : undefined;
}

async function primaryGroup(ctx: ModuleContext, user: string): Promise<string> {
  const result = await execAdmin(ctx, `id -gn -- ${quoteShell(user)}`);
  if (result.exitCode !== 0) throw new RemoteCommandError(`looking up ${user}'s group`, result);
  return result.stdout.trim();
}
