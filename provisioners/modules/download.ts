import { createHash } from 'node:crypto';
import type { ArtifactRequest, Checksum } from '../../artifacts/types.ts';
import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { assertGuestPath } from '../guest-path.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { quoteShell, quoteWords } from '../shell-quote.ts';

type DownloadStep = Extract<ResolvedStep, { type: 'download' }>;

/**
 * A file from the artifact cache on the host, uploaded over SFTP, verified in the guest, then placed (or unpacked)
 * into `dest`. A marker in the guest records the archive's checksum and each installed file's sha256; when the
 * marker matches and the files still hash the same, nothing is fetched or uploaded.
 */
export async function runDownloadStep(ctx: ModuleContext, step: DownloadStep): Promise<ModuleResult> {
  const dest = assertGuestPath(step.dest, 'dest');
  const url = step.artifact.url[ctx.arch];
  const checksum = step.artifact.checksum[ctx.arch];
  if (!url || !checksum) throw new Error(`the artifact has no URL or checksum for ${ctx.arch}`);
  const members = step.include.map(assertMember);
  if (!/^0?[0-7]{3,4}$/.test(step.mode)) throw new Error(`not an octal mode: ${JSON.stringify(step.mode)}`);
  const request: ArtifactRequest =
    'value' in checksum
      ? { url, checksum }
      : { url, checksumUrl: checksum.file, algorithm: checksum.algorithm };
  let fetched = 'value' in checksum ? undefined : await ctx.fetchArtifact(request);
  const expected: Checksum = fetched?.checksum ?? (checksum as Checksum);
  const marker = `${ctx.stateDir}/downloads/${createHash('sha256').update(`${dest}\n${url}`).digest('hex').slice(0, 24)}.sums`;
  const header = markerHeader(expected, step, members);
  const probe = await execAdmin(ctx, markerProbeScript(marker));
  if (probe.stdout === `${header}--\nfiles-ok\n`)
    return { status: 'ok', reason: `installed (${expected.algorithm}:${expected.value.slice(0, 12)}…)` };
  const what = `${url.split('/').pop()} into ${dest}`;
  if (ctx.check) return { status: 'changed', reason: `would install ${what}` };
  fetched ??= await ctx.fetchArtifact(request);
  const stagingResult = await ctx.session.exec('mktemp -d /tmp/tnbuild-download.XXXXXX', {
    user: ctx.session.loginUser,
  });
  const staging = stagingResult.stdout.trim();
  if (stagingResult.exitCode !== 0 || !staging.startsWith('/tmp/'))
    throw new RemoteCommandError('creating a staging directory', stagingResult);
  await ctx.session.uploadFile(fetched.path, `${staging}/artifact`);
  const fileName = assertMember(fetched.fileName);
  const installed = await execAdmin(
    ctx,
    installScript({ staging, dest, marker, header, expected, step, members, fileName }),
  );
  if (installed.exitCode !== 0) throw new RemoteCommandError(`installing ${what}`, installed);
  const files = installed.stdout.trim().split('\n').filter(Boolean);
  return {
    status: 'changed',
    reason: `installed ${files.length} file(s) into ${dest}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`,
  };
}

/** Prints the marker's header, then `files-ok` when every installed file still has the recorded sha256. */
export function markerProbeScript(marker: string): string {
  return [
    `m=${quoteShell(marker)}`,
    'if [ -f "$m" ]; then sed \'/^--$/q\' "$m"; sed \'1,/^--$/d\' "$m" | sha256sum -c - >/dev/null 2>&1 && echo files-ok; fi',
  ].join('\n');
}

/** Archive members and file names stay inside `dest`: relative, no `..`, no line breaks, no leading `-`. */
function assertMember(member: string): string {
  const parts = member.split('/');
  if (
    member === '' ||
    member.startsWith('/') ||
    member.startsWith('-') ||
    /[\n\r\0]/.test(member) ||
    parts.includes('..')
  ) {
    throw new Error(`not a safe relative file name: ${JSON.stringify(member)}`);
  }
  return member;
}

export function markerHeader(
  expected: Checksum,
  step: Pick<DownloadStep, 'extract' | 'mode'>,
  members: readonly string[],
): string {
  return [
    'tnbuild-download 1',
    `archive ${expected.algorithm}:${expected.value}`,
    `extract ${step.extract}`,
    `include ${JSON.stringify(members)}`,
    `mode ${step.mode}`,
    '',
  ].join('\n');
}

export interface InstallPlan {
  readonly staging: string;
  readonly dest: string;
  readonly marker: string;
  readonly header: string;
  readonly expected: Checksum;
  readonly step: Pick<DownloadStep, 'extract' | 'mode'>;
  readonly members: readonly string[];
  readonly fileName: string;
}

/**
 * Verifies the upload, unpacks it into a scratch directory, then moves each regular file into place (a rename, so a
 * running binary is replaced cleanly) and writes the marker last. Prints the installed paths relative to dest.
 */
export function installScript(plan: InstallPlan): string {
  const sum = plan.expected.algorithm === 'sha512' ? 'sha512sum' : 'sha256sum';
  const unpack =
    plan.step.extract === 'tar.gz'
      ? `tar -xzf "$s/artifact" -C "$x"${plan.members.length > 0 ? ` ${quoteWords(plan.members)}` : ''}`
      : `cp "$s/artifact" "$x"/${quoteShell(plan.fileName)}`;
  return [
    'set -e',
    'umask 022',
    `s=${quoteShell(plan.staging)}`,
    `d=${quoteShell(plan.dest)}`,
    `m=${quoteShell(plan.marker)}`,
    `trap 'rm -rf "$s"' EXIT`,
    `h=$(${sum} < "$s/artifact"); h=\${h%% *}`,
    `if [ "$h" != ${quoteShell(plan.expected.value)} ]; then echo "the upload's ${plan.expected.algorithm} is $h, expected ${plan.expected.value}" >&2; exit 3; fi`,
    'x="$s/x"; mkdir "$x"',
    unpack,
    'mkdir -p -- "$d"',
    '(cd "$x" && find . -type f) > "$s/list"',
    ': > "$s/sums"',
    'while IFS= read -r f; do',
    '  f=${f#./}',
    '  t="$d/$f"',
    '  mkdir -p -- "$(dirname -- "$t")"',
    '  cp -- "$x/$f" "$t.tnbuild-new"',
    `  chmod ${quoteShell(plan.step.mode)} "$t.tnbuild-new"`,
    '  mv -f -- "$t.tnbuild-new" "$t"',
    '  h=$(sha256sum < "$t"); printf \'%s  %s\\n\' "${h%% *}" "$t" >> "$s/sums"',
    '  printf \'%s\\n\' "$f"',
    'done < "$s/list"',
    'mkdir -p -- "$(dirname -- "$m")"',
    `{ printf '%s' ${quoteShell(plan.header)}; echo --; cat "$s/sums"; } > "$m.tmp"`,
    'mv -f -- "$m.tmp" "$m"',
  ].join('\n');
}
