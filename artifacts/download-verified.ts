import { isTnbuildError } from '../errors/index.ts';
import type { CacheLayout } from './cache-layout.ts';
import { downloadToFile } from './download-to-file.ts';
import { discardPart } from './part-file.ts';
import { createProgressMeter } from './progress-meter.ts';
import type { ResolvedArtifactRequest } from './resolve-request.ts';
import { retryDownload } from './retry-download.ts';
import type { Checksum, ResolvedFetchOptions } from './types.ts';
import { verifyPart } from './verify-part.ts';

/**
 * Downloads `sourceUrl` into the part file (resuming, retrying) and verifies it. A resumed file that fails its
 * checksum is fetched once more from zero, since the bytes before the resume point may belong to another version.
 * Returns the bytes transferred.
 */
export async function downloadVerified(
  request: ResolvedArtifactRequest,
  checksum: Checksum,
  sourceUrl: string,
  layout: CacheLayout,
  options: ResolvedFetchOptions,
): Promise<number> {
  const stats = { transferred: 0, resumed: false };
  const download = () =>
    retryDownload(
      () =>
        downloadToFile({
          transport: options.transport,
          url: sourceUrl,
          partPath: layout.partPath(checksum),
          maxBytes: request.maxBytes,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          meter: createProgressMeter({ url: sourceUrl, fileName: request.fileName }, options.onProgress),
          logger: options.logger,
          stats,
        }),
      {
        url: sourceUrl,
        retries: options.retries,
        retryDelayMs: options.retryDelayMs,
        signal: options.signal,
        logger: options.logger,
      },
    );
  await download();
  try {
    await verifyPart(layout, checksum, { fileName: request.fileName, from: sourceUrl });
  } catch (error) {
    if (!stats.resumed || !isTnbuildError(error)) throw error;
    options.logger.warn(`${error.message} It had been resumed; downloading it again from the start.`);
    await discardPart(layout, checksum);
    await download();
    await verifyPart(layout, checksum, { fileName: request.fileName, from: sourceUrl });
  }
  return stats.transferred;
}
