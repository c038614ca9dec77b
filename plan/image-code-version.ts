import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../host/package-root.ts';

// The folders whose code decides what ends up inside an image. A change to any of them is a new cache key;
// a change to the CLI, the docs or the tests is not.
const SHAPING_FOLDERS = ['builders', 'provisioners', 'templates'];

let cached: string | undefined;

/** sha256 over tnbuild's version and the source of the image-shaping folders (sorted, relative paths). */
export function imageCodeVersion(root: string = PACKAGE_ROOT): string {
  if (cached !== undefined && root === PACKAGE_ROOT) return cached;
  const hash = createHash('sha256');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  hash.update(`tnbuild ${pkg.version}\n`);
  for (const folder of SHAPING_FOLDERS) {
    for (const file of listSourceFiles(join(root, folder))) {
      hash.update(`${relative(root, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  const version = hash.digest('hex');
  if (root === PACKAGE_ROOT) cached = version;
  return version;
}

function listSourceFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listSourceFiles(path);
      return /\.(ts|sh|hbs|conf|initd|service)$/.test(entry.name) ? [path] : [];
    });
}
