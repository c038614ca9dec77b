import { readdir, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { readEntryMeta, removeEntry } from './cache-entry.ts';
import { createCacheLayout } from './cache-layout.ts';
import { type CacheEntry, listCache, type PartialDownload } from './list-cache.ts';

export interface PruneCacheOptions {
  readonly cacheDir?: string;
  /** Remove entries not used for this many days. */
  readonly olderThanDays?: number;
  /** Never remove the `keep` most recently used entries; without `olderThanDays`, remove all the others. */
  readonly keep?: number;
  /** Report what would go, remove nothing. @default false */
  readonly dryRun?: boolean;
  readonly now?: Date;
}

export interface PruneCacheResult {
  readonly removed: readonly CacheEntry[];
  /** Interrupted downloads older than `olderThanDays` (7 days when not given). */
  readonly removedPartials: readonly PartialDownload[];
  readonly freedBytes: number;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Frees space. With neither `olderThanDays` nor `keep` no entry is removed — only old partial downloads and names
 * whose blob is gone. Checksum files in sums/ are kept: they are tiny and an offline build needs them.
 */
export async function pruneCache(options: PruneCacheOptions = {}): Promise<PruneCacheResult> {
  const now = (options.now ?? new Date()).getTime();
  const listing = await listCache(options);
  const layout = createCacheLayout(listing.cacheDir);
  const cutoff = options.olderThanDays === undefined ? undefined : now - options.olderThanDays * dayMs;
  const hasRule = cutoff !== undefined || options.keep !== undefined;
  const removed = listing.entries.filter(
    (entry, index) =>
      hasRule &&
      index >= (options.keep ?? 0) &&
      (cutoff === undefined || Date.parse(entry.lastUsedAt) < cutoff),
  );
  const partialCutoff = now - (options.olderThanDays ?? 7) * dayMs;
  const removedPartials = listing.partials.filter(
    (partial) => Date.parse(partial.modifiedAt) < partialCutoff,
  );
  if (!options.dryRun) {
    for (const entry of removed) {
      await removeEntry(layout, entry.checksum, (await readEntryMeta(layout, entry.checksum))?.sources ?? []);
    }
    for (const partial of removedPartials) {
      await rm(partial.path, { force: true });
      await rm(`${partial.path}.json`, { force: true });
    }
    await removeDanglingNames(layout.filesDir);
  }
  const freedBytes = [...removed, ...removedPartials].reduce((sum, item) => sum + item.size, 0);
  return { removed, removedPartials, freedBytes };
}

async function removeDanglingNames(filesDir: string): Promise<void> {
  for (const name of await readdir(filesDir).catch(() => [] as string[])) {
    const link = path.join(filesDir, name);
    const target = await readlink(link).catch(() => undefined);
    if (target !== undefined && !(await stat(link).catch(() => undefined))) await rm(link, { force: true });
  }
}
