import { HttpStatusError, StallError } from './download-error.ts';
import { retryDownload } from './retry-download.ts';
import { createStallGuard } from './stall-guard.ts';
import type { ResolvedFetchOptions } from './types.ts';

const maxBytes = 4 * 1024 * 1024;

/** GETs a small text file (a sums file) with the same redirects, stall timeout and retries as a download. */
export async function fetchText(url: string, options: ResolvedFetchOptions): Promise<string> {
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
            throw new Error(`${url} is larger than ${maxBytes} bytes; that is not a checksum file`);
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
