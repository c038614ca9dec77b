import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const KEYS = ['HOME', 'TNBUILD_CACHE', 'TNBUILD_MIRROR', 'TNBUILD_VMS_DIR'] as const;

/** Points HOME at `dir` (so the download cache is `dir/.vms/cache`) and clears tnbuild's overrides; returns a restore. */
export async function useFreshHome(dir: string): Promise<() => void> {
  const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
  await mkdir(dir, { recursive: true });
  process.env.HOME = dir;
  for (const key of KEYS.slice(1)) delete process.env[key];
  return () => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };
}

export function cacheBlobPath(home: string, sha256: string): string {
  return join(home, '.vms', 'cache', 'blobs', 'sha256', sha256);
}
