import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readEntryMeta } from './cache-entry.ts';
import { createCacheLayout } from './cache-layout.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import type { Checksum, ChecksumAlgorithm } from './types.ts';

export interface CacheEntry {
  readonly checksum: Checksum;
  readonly path: string;
  readonly size: number;
  /** Names it was fetched as (`files/<name>`), oldest first; empty for a blob seeded by hand. */
  readonly names: readonly string[];
  readonly urls: readonly string[];
  readonly verifiedAt: string | undefined;
  /** When a fetch last used it (falls back to the blob's mtime). */
  readonly lastUsedAt: string;
}

export interface PartialDownload {
  readonly path: string;
  readonly size: number;
  readonly modifiedAt: string;
}

export interface CacheListing {
  readonly cacheDir: string;
  /** Most recently used first. */
  readonly entries: readonly CacheEntry[];
  /** Interrupted downloads in tmp/, kept so the next fetch resumes them. */
  readonly partials: readonly PartialDownload[];
  readonly totalBytes: number;
}

const algorithms: readonly ChecksumAlgorithm[] = ['sha256', 'sha512'];

/** Everything in the cache, read-only. */
export async function listCache(options: { cacheDir?: string } = {}): Promise<CacheListing> {
  const layout = createCacheLayout(resolveFetchOptions(options).cacheDir);
  const entries: CacheEntry[] = [];
  for (const algorithm of algorithms) {
    for (const value of await readdir(path.join(layout.root, 'blobs', algorithm)).catch(
      () => [] as string[],
    )) {
      const checksum = { algorithm, value };
      const info = await stat(layout.blobPath(checksum)).catch(() => undefined);
      if (!info?.isFile()) continue;
      const meta = await readEntryMeta(layout, checksum);
      entries.push({
        checksum,
        path: layout.blobPath(checksum),
        size: info.size,
        names: [...new Set(meta?.sources.map((source) => source.fileName) ?? [])],
        urls: meta?.sources.map((source) => source.url) ?? [],
        verifiedAt: meta?.verifiedAt,
        lastUsedAt: meta?.lastUsedAt ?? info.mtime.toISOString(),
      });
    }
  }
  entries.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  const partials: PartialDownload[] = [];
  for (const name of await readdir(layout.tmpDir).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const info = await stat(path.join(layout.tmpDir, name)).catch(() => undefined);
    if (info)
      partials.push({
        path: path.join(layout.tmpDir, name),
        size: info.size,
        modifiedAt: info.mtime.toISOString(),
      });
  }
  const totalBytes = [...entries, ...partials].reduce((sum, item) => sum + item.size, 0);
  return { cacheDir: layout.root, entries, partials, totalBytes };
}
