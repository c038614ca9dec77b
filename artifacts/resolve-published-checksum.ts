import { readFile } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import type { CacheLayout } from './cache-layout.ts';
import { fetchText } from './fetch-text.ts';
import { fileNameFromUrl } from './file-name.ts';
import { findInMirrorDir, mirrorLocations } from './mirror.ts';
import { parseChecksumFile } from './parse-checksum-file.ts';
import type { ResolvedArtifactRequest } from './resolve-request.ts';
import type { Checksum, ResolvedFetchOptions } from './types.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/**
 * The checksum a published sums file gives for the request's file. The sums file is kept in `sums/` (keyed by its
 * URL) so a cached artifact needs no request at all, offline included; it is fetched again only when the cached copy
 * has no line for the file. `fresh` reads the publisher's copy first (a plan pins the digest into its cache keys, so
 * an upstream change must be seen), and falls back to the cached copy, with a warning, when it cannot be read.
 */
export async function resolvePublishedChecksum(
  request: ResolvedArtifactRequest,
  layout: CacheLayout,
  options: ResolvedFetchOptions,
  { fresh = false }: { fresh?: boolean } = {},
): Promise<Checksum> {
  const checksumUrl = request.checksumUrl as string;
  const cachePath = layout.sumsPath(checksumUrl);
  const cached = await readFile(cachePath, 'utf8').catch(() => undefined);
  if (fresh && !options.offline) {
    const current = await readSumsFile(checksumUrl, request, options).catch((error: unknown) => {
      if (!(error instanceof TnbuildError) || cached === undefined) throw error;
      options.logger.warn(
        `${checksumUrl} could not be read (${error.message}); using the copy cached in ${cachePath}.`,
      );
      return undefined;
    });
    if (current !== undefined) return pick(current, checksumUrl, request, layout, cachePath);
  }
  const fromCache =
    cached === undefined ? undefined : parseChecksumFile(cached, request.fileName, request.algorithm);
  if (fromCache) return { algorithm: request.algorithm, value: fromCache };

  return pick(await readSumsFile(checksumUrl, request, options), checksumUrl, request, layout, cachePath);
}

/** The request's line of a sums file just read; the file is cached only when it has one. */
async function pick(
  text: string,
  checksumUrl: string,
  request: ResolvedArtifactRequest,
  layout: CacheLayout,
  cachePath: string,
): Promise<Checksum> {
  const value = parseChecksumFile(text, request.fileName, request.algorithm);
  if (!value) {
    const preview = text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(0, 5)
      .map((line) => `| ${line}`);
    throw new TnbuildError(
      'TNB204',
      `${checksumUrl} has no ${request.algorithm} line for ${request.fileName}.`,
      {
        details: preview,
      },
    );
  }
  await writeFileAtomic(layout, cachePath, text);
  return { algorithm: request.algorithm, value };
}

async function readSumsFile(
  checksumUrl: string,
  request: ResolvedArtifactRequest,
  options: ResolvedFetchOptions,
): Promise<string> {
  const locations = mirrorLocations(options.mirror, checksumUrl, fileNameFromUrl(checksumUrl));
  const mirrorFile = await findInMirrorDir(locations);
  if (mirrorFile) return readFile(mirrorFile, 'utf8');
  for (const location of locations) {
    if (location.kind !== 'url') continue;
    try {
      return await fetchText(location.url, options);
    } catch (error) {
      if (!(error instanceof TnbuildError)) throw error;
      options.logger.warn(`Mirror skipped: ${error.message}`);
    }
  }
  if (options.offline) {
    throw new TnbuildError(
      'TNB202',
      `Offline, and the checksum file for ${request.fileName} is not cached.`,
      {
        details: [`${fileNameFromUrl(checksumUrl)} (checksum file for ${request.fileName}) — ${checksumUrl}`],
      },
    );
  }
  return fetchText(checksumUrl, options);
}
