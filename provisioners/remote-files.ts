import { randomBytes } from 'node:crypto';
import { RemoteCommandError } from './exec-error.ts';
import { baseOf, parentOf } from './guest-path.ts';
import { adminUser, execAdmin, type ModuleContext } from './module-context.ts';
import { quoteShell, quoteWords } from './shell-quote.ts';

export type FileState =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'file';
      readonly mode: number;
      readonly owner: string;
      readonly group: string;
      readonly sha256: string;
    }
  | { readonly kind: 'directory'; readonly mode: number; readonly owner: string; readonly group: string }
  | { readonly kind: 'symlink' }
  | { readonly kind: 'other' };

export interface FileAttributes {
  /** Octal text, e.g. `0644`. */
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
}

/**
 * A script that stats many paths with two programs in all, whatever their number: one line per path (`L` symlink,
 * `D` directory, `F` regular file, `O` other, `A` absent), then one `stat` line per D/F path, then one `sha256sum`
 * line per F path, in order. Paths only ever appear as quoted arguments, never parsed back, so any name works.
 */
export function fileProbeScript(paths: readonly string[]): string {
  const list = quoteWords(paths);
  return [
    'set --',
    `for p in ${list}; do`,
    '  if [ -L "$p" ]; then echo L',
    '  elif [ -d "$p" ]; then echo D; set -- "$@" "$p"',
    '  elif [ -f "$p" ]; then echo F; set -- "$@" "$p"',
    '  elif [ -e "$p" ]; then echo O',
    '  else echo A; fi',
    'done',
    'echo :stat',
    'if [ $# -gt 0 ]; then stat -c \'%a %U %G\' -- "$@"; fi',
    'echo :hash',
    'set --',
    `for p in ${list}; do if [ ! -L "$p" ] && [ -f "$p" ]; then set -- "$@" "$p"; fi; done`,
    'if [ $# -gt 0 ]; then sha256sum -- "$@"; fi',
  ].join('\n');
}

export function parseFileProbe(output: string, count: number): FileState[] {
  const lines = output.split('\n');
  const statAt = lines.indexOf(':stat');
  const hashAt = lines.indexOf(':hash', statAt + 1);
  if (statAt === -1 || hashAt === -1) throw new Error('the file probe was cut short');
  const kinds = lines.slice(0, statAt);
  const stats = lines.slice(statAt + 1, hashAt);
  // GNU sha256sum starts a line with `\` when it escapes a name; the hash follows.
  const hashes = lines
    .slice(hashAt + 1)
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\\/, '').slice(0, 64));
  if (kinds.length !== count) throw new Error(`the file probe described ${kinds.length} of ${count} paths`);
  let nextStat = 0;
  let nextHash = 0;
  return kinds.map((kind, index): FileState => {
    if (kind === 'A') return { kind: 'absent' };
    if (kind === 'L') return { kind: 'symlink' };
    if (kind === 'O') return { kind: 'other' };
    const [mode = '', owner = '', group = ''] = (stats[nextStat++] ?? '').split(' ');
    if (!/^[0-7]+$/.test(mode)) throw new Error(`could not stat path ${index + 1} of ${count}`);
    if (kind === 'D') return { kind: 'directory', mode: Number.parseInt(mode, 8), owner, group };
    const sha256 = hashes[nextHash++] ?? '';
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`could not read path ${index + 1} of ${count} to hash it`);
    return { kind: 'file', mode: Number.parseInt(mode, 8), owner, group, sha256 };
  });
}

/** Stats many paths in one round trip. */
export async function probeFiles(ctx: ModuleContext, paths: readonly string[]): Promise<FileState[]> {
  if (paths.length === 0) return [];
  const result = await execAdmin(ctx, fileProbeScript(paths));
  if (result.exitCode !== 0) throw new RemoteCommandError('probing files', result);
  return parseFileProbe(result.stdout, paths.length);
}

/** One path's state: from the batch fetched ahead when there is one, else its own round trip. */
export async function probeFile(ctx: ModuleContext, path: string): Promise<FileState> {
  const cached = ctx.run.fileStates.get(path);
  if (cached) {
    ctx.run.fileStates.delete(path);
    return cached;
  }
  const [state] = await probeFiles(ctx, [path]);
  return state as FileState;
}

export function parseMode(mode: string): number {
  return Number.parseInt(mode, 8) & 0o7777;
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/** What differs between a file or directory's attributes and the wanted ones, as `mode 0600 → 0644` phrases. */
export function attributeChanges(
  state: { mode: number; owner: string; group: string },
  wanted: FileAttributes,
): string[] {
  const changes: string[] = [];
  if ((state.mode & 0o7777) !== parseMode(wanted.mode))
    changes.push(`mode ${formatMode(state.mode)} → ${formatMode(parseMode(wanted.mode))}`);
  if (state.owner !== wanted.owner || state.group !== wanted.group) {
    changes.push(`owner ${state.owner}:${state.group} → ${wanted.owner}:${wanted.group}`);
  }
  return changes;
}

function ownership(attrs: FileAttributes): string {
  return quoteShell(`${attrs.owner}:${attrs.group}`);
}

/**
 * Writes `content` to `path` atomically with the given attributes: uploaded over SFTP (next to the target when the
 * login user is the admin, else to /tmp and copied by root), then chown, chmod and `mv -f` in one command. `mv` also
 * replaces a running executable, where writing into it would fail with ETXTBSY.
 */
export async function putFile(
  ctx: ModuleContext,
  path: string,
  content: Buffer | string,
  attrs: FileAttributes,
): Promise<void> {
  const token = randomBytes(6).toString('hex');
  const staged = `${parentOf(path)}/.${baseOf(path).slice(0, 100)}.tnbuild-${token}`;
  const direct = adminUser(ctx) === ctx.session.loginUser;
  const upload = direct ? staged : `/tmp/.tnbuild-upload-${token}`;
  const mkdirParent = `mkdir -p -- ${quoteShell(parentOf(path))}`;
  try {
    await ctx.session.writeFile(upload, content, { mode: 0o600 });
  } catch (error) {
    if (!direct || !/no such file/i.test((error as Error).message)) throw error;
    await runAdmin(ctx, mkdirParent, `creating ${parentOf(path)}`);
    await ctx.session.writeFile(upload, content, { mode: 0o600 });
  }
  const steps = [
    ...(direct ? [] : [mkdirParent, `cp -- ${quoteShell(upload)} ${quoteShell(staged)}`]),
    `chown ${ownership(attrs)} ${quoteShell(staged)}`,
    `chmod ${quoteShell(attrs.mode)} ${quoteShell(staged)}`,
    `mv -f -- ${quoteShell(staged)} ${quoteShell(path)}`,
  ];
  const cleanup = direct
    ? `rm -f -- ${quoteShell(staged)}`
    : `rm -f -- ${quoteShell(staged)} ${quoteShell(upload)}`;
  await runAdmin(
    ctx,
    `{ ${steps.join(' && ')}; }; rc=$?; ${cleanup} 2>/dev/null; exit $rc`,
    `installing ${path}`,
  );
}

/** Sets mode and ownership of an existing path. */
export async function setAttributes(ctx: ModuleContext, path: string, attrs: FileAttributes): Promise<void> {
  await runAdmin(
    ctx,
    `chown ${ownership(attrs)} ${quoteShell(path)} && chmod ${quoteShell(attrs.mode)} ${quoteShell(path)}`,
    `setting attributes of ${path}`,
  );
}

export async function makeDirectory(ctx: ModuleContext, path: string, attrs: FileAttributes): Promise<void> {
  await runAdmin(
    ctx,
    `mkdir -p -- ${quoteShell(path)} && chown ${ownership(attrs)} ${quoteShell(path)} && chmod ${quoteShell(attrs.mode)} ${quoteShell(path)}`,
    `creating directory ${path}`,
  );
}

export async function removePath(ctx: ModuleContext, path: string): Promise<void> {
  if (path === '/') throw new Error('refusing to remove /');
  await runAdmin(ctx, `rm -rf -- ${quoteShell(path)}`, `removing ${path}`);
}

/** A file's current text (for diffs), or '' when it cannot be read. */
export async function readText(ctx: ModuleContext, path: string): Promise<string> {
  const result = await execAdmin(ctx, `cat -- ${quoteShell(path)}`);
  return result.exitCode === 0 ? result.stdout : '';
}

export async function runAdmin(ctx: ModuleContext, script: string, what: string): Promise<string> {
  const result = await execAdmin(ctx, script);
  if (result.exitCode !== 0) throw new RemoteCommandError(what, result);
  return result.stdout;
}
