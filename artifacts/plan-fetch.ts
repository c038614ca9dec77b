import { readFile, stat } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import { type CacheLayout, createCacheLayout } from './cache-layout.ts';
import { fileNameFromUrl } from './file-name.ts';
import { findInMirrorDir, mirrorLocations } from './mirror.ts';
import { parseChecksumFile } from './parse-checksum-file.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import { type ResolvedArtifactRequest, resolveRequest } from './resolve-request.ts';
import type { ArtifactRequest, Checksum, FetchOptions } from './types.ts';

/** Where a file would come from: the cache, the mirror (a folder that has it, or a URL not asked), or upstream. */
export type FetchSource = 'cached' | 'mirror' | 'download';

export interface PlannedFile {
  readonly url: string;
  readonly fileName: string;
  readonly source: FetchSource;
  /** The cached blob, the mirror file or URL, or the upstream URL. */
  readonly location: string;
}

export interface PlannedFetch extends PlannedFile {
  /** Unknown while a published sums file is neither cached nor in a mirror folder. */
  readonly checksum: Checksum | undefined;
  /** For a published checksum: where its sums file would come from. */
  readonly checksumFile: PlannedFile | undefined;
  /** Nothing needs the upstream network (a mirror URL counts as reachable). */
  readonly availableOffline: boolean;
}

/**
 * What fetching these inputs would do, without a single request or write: used by `--offline` to fail fast and by
 * `tnbuild plan`. Cached means the blob exists; it is still verified when fetched.
 */
export async function planFetch(
  requests: readonly ArtifactRequest[],
  options: FetchOptions = {},
): Promise<PlannedFetch[]> {
  const resolved = resolveFetchOptions(options);
  const layout = createCacheLayout(resolved.cacheDir);
  return Promise.all(requests.map((request) => planOne(resolveRequest(request), layout, resolved.mirror)));
}

/** TNB202 listing every input that `--offline` cannot get, or undefined when all are at hand. */
export function describeOfflineGaps(
  plan: readonly PlannedFetch[],
  cacheDir: string,
  mirror: string | undefined,
): TnbuildError | undefined {
  const missing: string[] = [];
  for (const item of plan) {
    if (item.checksumFile?.source === 'download') {
      missing.push(
        `${item.checksumFile.fileName} (checksum file for ${item.fileName}) — ${item.checksumFile.url}`,
      );
    }
    if (item.source === 'download') missing.push(`${item.fileName} — ${item.url}`);
  }
  if (missing.length === 0) return undefined;
  const where = mirror
    ? `in neither the cache (${cacheDir}) nor the mirror (${mirror})`
    : `not in the cache (${cacheDir}), and no mirror is set`;
  return new TnbuildError('TNB202', `Offline, and ${missing.length} input(s) are ${where}:`, {
    details: missing,
  });
}

async function planOne(
  request: ResolvedArtifactRequest,
  layout: CacheLayout,
  mirror: string | undefined,
): Promise<PlannedFetch> {
  let checksum = request.checksum;
  let checksumFile: PlannedFile | undefined;
  if (request.checksumUrl) {
    const planned = await planChecksumFile(request, request.checksumUrl, layout, mirror);
    checksumFile = planned.file;
    checksum = planned.checksum;
  }
  const file = await planFile(request.url, request.fileName, checksum, layout, mirror);
  const availableOffline = file.source !== 'download' && checksumFile?.source !== 'download';
  return { ...file, checksum, checksumFile, availableOffline };
}

async function planFile(
  url: string,
  fileName: string,
  checksum: Checksum | undefined,
  layout: CacheLayout,
  mirror: string | undefined,
): Promise<PlannedFile> {
  if (checksum && (await stat(layout.blobPath(checksum)).catch(() => undefined))?.isFile()) {
    return { url, fileName, source: 'cached', location: layout.blobPath(checksum) };
  }
  const locations = mirrorLocations(mirror, url, fileName);
  const mirrorFile = await findInMirrorDir(locations);
  if (mirrorFile) return { url, fileName, source: 'mirror', location: mirrorFile };
  const mirrorUrl = locations.find((location) => location.kind === 'url');
  if (mirrorUrl) return { url, fileName, source: 'mirror', location: mirrorUrl.url };
  return { url, fileName, source: 'download', location: url };
}

async function planChecksumFile(
  request: ResolvedArtifactRequest,
  checksumUrl: string,
  layout: CacheLayout,
  mirror: string | undefined,
): Promise<{ file: PlannedFile; checksum: Checksum | undefined }> {
  const sumsName = fileNameFromUrl(checksumUrl);
  const cachePath = layout.sumsPath(checksumUrl);
  const cached = await readChecksum(cachePath, request);
  if (cached)
    return {
      file: { url: checksumUrl, fileName: sumsName, source: 'cached', location: cachePath },
      checksum: cached,
    };
  const file = await planFile(checksumUrl, sumsName, undefined, layout, mirror);
  const checksum =
    file.source === 'mirror' && !/^https?:/i.test(file.location)
      ? await readChecksum(file.location, request)
      : undefined;
  return { file, checksum };
}

async function readChecksum(
  filePath: string,
  request: ResolvedArtifactRequest,
): Promise<Checksum | undefined> {
  const text = await readFile(filePath, 'utf8').catch(() => undefined);
  const value = text === undefined ? undefined : parseChecksumFile(text, request.fileName, request.algorithm);
  return value ? { algorithm: request.algorithm, value } : undefined;
}
