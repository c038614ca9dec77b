import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * tnbuild's own folder: package.json, the TypeScript sources and their data files (answer templates, guest
 * scripts). The code runs from those sources or from their compiled copy under dist/, one level deeper; both find
 * the same folder, so data files and cache keys do not depend on which one ran.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(`tnbuild is installed without its package.json (looked above ${from})`);
  }
}

/** Whether this process runs the compiled copy under dist/ (bin/tnbuild.js picks it while it is current). */
export const RUNS_COMPILED = basename(dirname(dirname(fileURLToPath(import.meta.url)))) === 'dist';

let version: string | undefined;

/** The running tnbuild's package version. */
export function tnbuildVersion(): string {
  version ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}
