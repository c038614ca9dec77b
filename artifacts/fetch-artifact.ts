import { type EntryMeta, recordUse, recordVerified } from './cache-entry.ts';
import { type CacheLayout, createCacheLayout } from './cache-layout.ts';
import { acquireCacheLock } from './cache-lock.ts';
import { fetchIntoCache } from './fetch-into-cache.ts';
import { findCached } from './find-cached.ts';
import { prepareCache } from './prepare-cache.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import { resolvePublishedChecksum } from './resolve-published-checksum.ts';
import { type ResolvedArtifactRequest, resolveRequest } from './resolve-request.ts';
import type { ArtifactRequest, Checksum, FetchOptions, FetchResult, ResolvedFetchOptions } from './types.ts';

/**
 * Returns a verified local copy of one input: from the cache when it is there and intact, otherwise from the mirror
 * or upstream into the cache. Concurrent fetches of the same file (in this process or another) download it once.
 */
export async function fetchArtifact(
  request: ArtifactRequest,
  options: FetchOptions = {},
): Promise<FetchResult> {
  const resolved = resolveFetchOptions(options);
  const artifact = resolveRequest(request);
  const layout = createCacheLayout(resolved.cacheDir);
  await prepareCache(layout);
  const checksum = artifact.checksum ?? (await resolvePublishedChecksum(artifact, layout, resolved));
  return fetchVerifiedArtifact(artifact, checksum, layout, resolved);
}

async function fetchVerifiedArtifact(
  artifact: ResolvedArtifactRequest,
  checksum: Checksum,
  layout: CacheLayout,
  options: ResolvedFetchOptions,
): Promise<FetchResult> {
  const source = { url: artifact.url, fileName: artifact.fileName };
  const hit = await findCached(layout, checksum, options);
  if (hit) {
    await recordUse(layout, hit, source);
    return toResult(layout, artifact, hit, true, 0);
  }
  const release = await acquireCacheLock(layout.lockPath(checksum), {
    signal: options.signal,
    onWait: (holder) =>
      options.logger.info(
        `Waiting for ${artifact.fileName}: another fetch${holder ? ` (pid ${holder.pid})` : ''} is downloading it.`,
      ),
  });
  try {
    // Whoever held the lock may have just finished it.
    const finished = await findCached(layout, checksum, options);
    if (finished) {
      await recordUse(layout, finished, source);
      return toResult(layout, artifact, finished, true, 0);
    }
    const transferred = await fetchIntoCache(artifact, checksum, layout, options);
    const meta = await recordVerified(layout, checksum, source);
    options.logger.info(`Fetched ${artifact.fileName} (${meta.size} bytes, ${checksum.algorithm} verified).`);
    return toResult(layout, artifact, meta, false, transferred);
  } finally {
    await release();
  }
}

function toResult(
  layout: CacheLayout,
  artifact: ResolvedArtifactRequest,
  meta: EntryMeta,
  fromCache: boolean,
  downloadedBytes: number,
): FetchResult {
  const checksum = { algorithm: meta.algorithm, value: meta.value };
  return {
    path: layout.blobPath(checksum),
    namedPath: layout.namePath(artifact.fileName),
    fileName: artifact.fileName,
    size: meta.size,
    checksum,
    fromCache,
    downloadedBytes,
  };
}
