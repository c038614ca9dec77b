import os from 'node:os';
import path from 'node:path';

/** The download cache when no `--cache` is given: `$TNBUILD_CACHE`, else `~/.vms/cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TNBUILD_CACHE || path.join(os.homedir(), '.vms', 'cache');
}
