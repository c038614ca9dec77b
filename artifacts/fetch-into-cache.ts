import { copyFile, stat } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import type { CacheLayout } from './cache-layout.ts';
import { downloadVerified } from './download-verified.ts';
import { findInMirrorDir, mirrorLocations } from './mirror.ts';
import { promotePart } from './part-file.ts';
import type { ResolvedArtifactRequest } from './resolve-request.ts';
import type { Checksum, ResolvedFetchOptions } from './types.ts';
import { verifyPart } from './verify-part.ts';

/**
 * Brings a file into the cache (the caller holds its lock): from the mirror folder, then the mirror URL, then
 * upstream unless offline. A mirror that lacks the file or holds a bad copy is skipped with a warning. Returns the
 * bytes transferred or copied.
 */
export async function fetchIntoCache(
  request: ResolvedArtifactRequest,
  checksum: Checksum,
  layout: CacheLayout,
  options: ResolvedFetchOptions,
): Promise<number> {
  const { logger } = options;
  const locations = mirrorLocations(options.mirror, request.url, request.fileName);
  const skipped: string[] = [];

  const mirrorFile = await findInMirrorDir(locations);
  if (mirrorFile) {
    try {
      const { size } = await stat(mirrorFile);
      if (request.maxBytes !== undefined && size > request.maxBytes) {
        throw new TnbuildError(
          'TNB206',
          `${mirrorFile} is larger than the ${request.maxBytes} bytes ${request.fileName} may have`,
        );
      }
      await copyFile(mirrorFile, layout.partPath(checksum));
      await verifyPart(layout, checksum, { fileName: request.fileName, from: mirrorFile });
      await promotePart(layout, checksum);
      logger.debug(`${request.fileName}: copied from the mirror ${mirrorFile}`);
      return (await stat(layout.blobPath(checksum))).size;
    } catch (error) {
      if (!(error instanceof TnbuildError)) throw error;
      logger.warn(`Mirror copy skipped: ${error.message}`);
      skipped.push(`${mirrorFile}: ${error.message}`);
    }
  }

  for (const location of locations) {
    if (location.kind !== 'url') continue;
    try {
      const transferred = await downloadVerified(request, checksum, location.url, layout, options);
      await promotePart(layout, checksum);
      return transferred;
    } catch (error) {
      if (!(error instanceof TnbuildError)) throw error;
      logger.warn(`Mirror skipped: ${error.message}`);
      skipped.push(`${location.url}: ${error.message}`);
    }
  }

  if (options.offline) {
    const where = options.mirror
      ? `the cache (${layout.root}) or the mirror (${options.mirror})`
      : `the cache (${layout.root})`;
    throw new TnbuildError('TNB202', `Offline, and ${request.fileName} is not in ${where}.`, {
      details: [`${request.fileName} — ${request.url}`, ...skipped],
    });
  }
  const transferred = await downloadVerified(request, checksum, request.url, layout, options);
  await promotePart(layout, checksum);
  return transferred;
}
