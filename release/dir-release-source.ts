import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { hashFileWithSize } from './hashing-counter.ts';
import { createStageMeter } from './release-progress.ts';
import type { ReleaseSource } from './release-source.ts';

/** A release folder on this machine (a copy, a mount, a USB stick). Files are hashed where they lie. */
export async function openDirReleaseSource(dir: string): Promise<ReleaseSource> {
  const root = resolve(dir);
  const found = await stat(root).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new TnbuildError('TNB605', `${root} is not a folder`);
  }
  return {
    label: root,
    async readSmall(file) {
      return readFile(join(root, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    },
    async fetchVerified(entry, onProgress) {
      const path = join(root, entry.file);
      const size = (await stat(path).catch(() => undefined))?.size;
      if (size === undefined) {
        throw new TnbuildError(
          'TNB600',
          `the release is incomplete: ${entry.file} is listed in SHA256SUMS but missing from ${root}`,
        );
      }
      const meter = createStageMeter('verify', { url: path, fileName: entry.file }, onProgress);
      const { sha256 } = await hashFileWithSize(path, (bytes) => meter.update(bytes, size));
      meter.finish(size);
      if (sha256 !== entry.sha256) {
        throw new TnbuildError(
          'TNB600',
          `${entry.file} does not match SHA256SUMS: it was changed or damaged after the release was signed`,
          {
            details: [`expected sha256 ${entry.sha256}`, `actual   sha256 ${sha256}`, `file: ${path}`],
          },
        );
      }
      return path;
    },
  };
}
