import { TnbuildError } from '../errors/index.ts';
import type { GuestShell } from './guest-shell.ts';
import type { OsFamily } from './seal-script.ts';

const LIST_COMMAND: Record<OsFamily, string> = {
  // `apk info -v` prints name-version, one a line.
  alpine: 'apk info -v 2>/dev/null',
  debian: "dpkg-query -W -f='${binary:Package} ${Version}\\n'",
};

/** The guest's installed packages as `name version` (Debian) or `name-version` (Alpine), sorted, for the manifest. */
export async function listInstalledPackages(session: GuestShell, family: OsFamily): Promise<string[]> {
  const result = await session.exec(LIST_COMMAND[family], { timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    throw new TnbuildError('TNB401', `listing the installed packages failed (exit ${result.exitCode})`, {
      details: result.stderr.trimEnd().split('\n').slice(-10),
    });
  }
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}
