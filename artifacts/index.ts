export { acquireCacheLock, type CacheLockOptions, type LockHolder, type ReleaseLock } from './cache-lock.ts';
export { fetchArtifact } from './fetch-artifact.ts';
export { fetchArtifacts } from './fetch-artifacts.ts';
export { formatBytes, formatDuration } from './format-units.ts';
export type { HttpGetOptions, HttpResponse, HttpTransport } from './http-transport.ts';
export { type CacheEntry, type CacheListing, listCache, type PartialDownload } from './list-cache.ts';
export { lookupPublishedChecksum } from './lookup-published-checksum.ts';
export { nodeHttpTransport } from './node-http-transport.ts';
export { parseChecksumFile } from './parse-checksum-file.ts';
export {
  describeOfflineGaps,
  type FetchSource,
  type PlannedFetch,
  type PlannedFile,
  planFetch,
} from './plan-fetch.ts';
export { createProgressLines, formatProgress, type ProgressLinesOptions } from './progress-lines.ts';
export { type PruneCacheOptions, type PruneCacheResult, pruneCache } from './prune-cache.ts';
export { resolveFetchOptions } from './resolve-fetch-options.ts';
export type {
  ArtifactRequest,
  Checksum,
  ChecksumAlgorithm,
  FetchOptions,
  FetchResult,
  PinnedArtifactRequest,
  ProgressEvent,
  PublishedChecksumRequest,
  ResolvedFetchOptions,
} from './types.ts';
export { type VerifyCacheResult, verifyCache } from './verify-cache.ts';
