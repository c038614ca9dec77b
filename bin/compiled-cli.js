import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The compiled CLI's entry, `dist/cli/main.js`, when dist/ is current: built (dist/build.json) and no source it was
 * built from changed since. Otherwise undefined, and the caller runs the TypeScript sources: an edit is never
 * shadowed by a stale build.
 */
export function compiledCli(root) {
  let build;
  try {
    build = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof build?.builtAt !== 'number' || !Array.isArray(build.sources)) return undefined;
  for (const source of build.sources) {
    const stats = statSync(join(root, source), { throwIfNoEntry: false });
    if (!stats || stats.mtimeMs > build.builtAt) return undefined;
  }
  return join(root, 'dist', 'cli', 'main.js');
}
