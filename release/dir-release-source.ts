import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { openReleaseFile, readReleaseFile, SMALL_FILE_MAX_BYTES } from './open-release-file.ts';
import { createStageMeter } from './release-progress.ts';
import type { ReleaseSource } from './release-source.ts';

/**
 * A release folder on this machine (a copy, a mount, a USB stick). Files are hashed where they lie, and only
 * regular files of the folder itself are read (openReleaseFile): no symlink out of it, no FIFO, nothing oversized.
 */
export async function openDirReleaseSource(dir: string): Promise<ReleaseSource> {
  const root = resolve(dir);
  const found = await stat(root).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new TnbuildError('TNB605', `${root} is not a folder`);
  }
  return {
    label: root,
    readSmall: (file) => readReleaseFile(join(root, file), SMALL_FILE_MAX_BYTES),
    async fetchVerified(entry, maxBytes, onProgress) {
      const path = join(root, entry.file);
      const opened = await openReleaseFile(path, maxBytes);
      if (!opened) {
        throw new TnbuildError(
          'TNB600',
          `the release is incomplete: ${entry.file} is listed in SHA256SUMS but missing from ${root}`,
        );
      }
      const meter = createStageMeter('verify', { url: path, fileName: entry.file }, onProgress);
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for await (const chunk of opened.handle.createReadStream({ autoClose: false })) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
          meter.update(bytes, opened.size);
        }
      } finally {
        await opened.handle.close();
      }
      meter.finish(bytes);
      const sha256 = hash.digest('hex');
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
