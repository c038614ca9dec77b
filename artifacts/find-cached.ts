import { stat } from 'node:fs/promises';
import type { Logger } from '../host/command-runner.ts';
import { type EntryMeta, readEntryMeta, recordVerified, removeEntry } from './cache-entry.ts';
import type { CacheLayout } from './cache-layout.ts';
import { hashFile } from './hash-file.ts';
import type { Checksum } from './types.ts';

export interface FindCachedOptions {
  readonly logger: Logger;
}

/**
 * The verified cache entry for a checksum, or undefined. A blob whose size and mtime match its last verification is
 * trusted without hashing; otherwise it is hashed, and a corrupt one is removed with a warning.
 */
export async function findCached(
  layout: CacheLayout,
  checksum: Checksum,
  options: FindCachedOptions,
): Promise<EntryMeta | undefined> {
  const blob = layout.blobPath(checksum);
  const info = await stat(blob).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const meta = await readEntryMeta(layout, checksum);
  if (meta && meta.size === info.size && meta.mtimeMs === info.mtimeMs) return meta;
  const actual = await hashFile(blob, checksum.algorithm);
  if (actual === checksum.value) {
    // Recording it only saves the next hash; a read-only cache is still usable.
    return recordVerified(layout, checksum).catch(() => ({ ...checksum, ...fallbackMeta(info, meta) }));
  }
  const name = meta?.sources.at(-1)?.fileName ?? 'file';
  options.logger.warn(
    `Cached ${name} (${blob}) is corrupt: expected ${checksum.algorithm} ${checksum.value}, got ${actual}. Discarding it; it will be fetched again.`,
  );
  await removeEntry(layout, checksum, meta?.sources ?? []);
  return undefined;
}

function fallbackMeta(
  info: { size: number; mtimeMs: number },
  meta: EntryMeta | undefined,
): Omit<EntryMeta, 'algorithm' | 'value'> {
  const now = new Date().toISOString();
  return {
    size: info.size,
    mtimeMs: info.mtimeMs,
    verifiedAt: now,
    lastUsedAt: now,
    sources: meta?.sources ?? [],
  };
}
