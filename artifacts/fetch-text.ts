import { HttpStatusError, StallError, TooLargeError } from './download-error.ts';
import { retryDownload } from './retry-download.ts';
import { createStallGuard } from './stall-guard.ts';
import type { ResolvedFetchOptions } from './types.ts';

/**
 * GETs a small text file (a sums file) with the same redirects, stall timeout and retries as a download; more than
 * `maxBytes` is TNB206 at once.
 */
export async function fetchText(
  url: string,
  options: ResolvedFetchOptions,
  maxBytes = 4 * 1024 * 1024,
): Promise<string> {
  return retryDownload(
    async () => {
      const guard = createStallGuard(options.timeoutMs, options.signal);
      try {
        const response = await options.transport.get(url, {
          headers: { 'accept-encoding': 'identity', 'user-agent': 'tnbuild' },
          signal: guard.signal,
        });
        if (response.status !== 200) {
          response.discard();
          throw new HttpStatusError(response.status, url);
        }
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of response.body) {
          guard.reset();
          size += chunk.byteLength;
          if (size > maxBytes) {
            response.discard();
            throw new TooLargeError(url, maxBytes);
          }
          chunks.push(chunk);
        }
        return Buffer.concat(chunks).toString('utf8');
      } catch (error) {
        if (guard.stalled) throw new StallError(url, options.timeoutMs, 0);
        throw error;
      } finally {
        guard.dispose();
      }
    },
    {
      url,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      signal: options.signal,
      logger: options.logger,
    },
  );
}
