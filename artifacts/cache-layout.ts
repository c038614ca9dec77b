import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Checksum } from './types.ts';

/** Every path inside the cache folder; see README.md for what each holds. */
export interface CacheLayout {
  readonly root: string;
  readonly filesDir: string;
  readonly tmpDir: string;
  blobPath(checksum: Checksum): string;
  metaPath(checksum: Checksum): string;
  namePath(fileName: string): string;
  partPath(checksum: Checksum): string;
  lockPath(checksum: Checksum): string;
  sumsPath(checksumUrl: string): string;
  /** Which repositories of one OCI registry hold which blobs, as far as this machine saw (release/oci). */
  registryPath(registry: string): string;
  /** A unique scratch file in tmp/ for writes that are then renamed into place. */
  scratchPath(label: string): string;
}

export function createCacheLayout(root: string): CacheLayout {
  const absolute = path.resolve(root);
  const key = (checksum: Checksum) => `${checksum.algorithm}-${checksum.value}`;
  return {
    root: absolute,
    filesDir: path.join(absolute, 'files'),
    tmpDir: path.join(absolute, 'tmp'),
    blobPath: (checksum) => path.join(absolute, 'blobs', checksum.algorithm, checksum.value),
    metaPath: (checksum) => path.join(absolute, 'meta', checksum.algorithm, `${checksum.value}.json`),
    namePath: (fileName) => path.join(absolute, 'files', fileName),
    partPath: (checksum) => path.join(absolute, 'tmp', `${key(checksum)}.part`),
    lockPath: (checksum) => path.join(absolute, 'locks', `${key(checksum)}.lock`),
    sumsPath(checksumUrl) {
      const digest = createHash('sha256').update(checksumUrl).digest('hex').slice(0, 16);
      const name = path.posix.basename(new URL(checksumUrl).pathname) || 'sums';
      return path.join(absolute, 'sums', `${digest}-${name}`);
    },
    registryPath(registry) {
      const digest = createHash('sha256').update(registry).digest('hex').slice(0, 16);
      return path.join(absolute, 'registries', `${digest}.json`);
    },
    scratchPath: (label) =>
      path.join(
        absolute,
        'tmp',
        `${label}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}`,
      ),
  };
}
