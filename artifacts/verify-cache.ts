import type { Logger } from '../host/command-runner.ts';
import { silentLogger } from '../host/command-runner.ts';
import { readEntryMeta, recordVerified, removeEntry } from './cache-entry.ts';
import { createCacheLayout } from './cache-layout.ts';
import { hashFile } from './hash-file.ts';
import { type CacheEntry, listCache } from './list-cache.ts';

export interface VerifyCacheResult {
  readonly ok: readonly CacheEntry[];
  /** Removed because the content no longer matches the name it is stored under. */
  readonly removed: readonly { readonly entry: CacheEntry; readonly actual: string }[];
}

/** Hashes every blob in full (no size/mtime shortcut); a bad one is removed with a warning. */
export async function verifyCache(
  options: { cacheDir?: string; logger?: Logger } = {},
): Promise<VerifyCacheResult> {
  const logger = options.logger ?? silentLogger;
  const listing = await listCache(options);
  const layout = createCacheLayout(listing.cacheDir);
  const ok: CacheEntry[] = [];
  const removed: { entry: CacheEntry; actual: string }[] = [];
  for (const entry of listing.entries) {
    const actual = await hashFile(entry.path, entry.checksum.algorithm);
    if (actual === entry.checksum.value) {
      await recordVerified(layout, entry.checksum);
      ok.push(entry);
      continue;
    }
    const label = entry.names.at(-1) ?? entry.checksum.value;
    logger.warn(
      `Removed ${label} (${entry.path}): expected ${entry.checksum.algorithm} ${entry.checksum.value}, got ${actual}.`,
    );
    await removeEntry(layout, entry.checksum, (await readEntryMeta(layout, entry.checksum))?.sources ?? []);
    removed.push({ entry, actual });
  }
  return { ok, removed };
}
