import { TnbuildError } from '../errors/index.ts';
import type { Logger } from '../host/command-runner.ts';
import { classifyDownloadError } from './classify-download-error.ts';
import { sleep } from './sleep.ts';

export interface RetryOptions {
  readonly url: string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
}

const maxDelayMs = 30_000;

/**
 * Runs `attempt` again after a 5xx, a dropped connection or a stall, waiting `retryDelayMs`·2ⁿ (±20 %, capped); a
 * 404, a DNS or TLS failure ends it at once. Throws the last failure as a TnbuildError.
 */
export async function retryDownload<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let index = 0; ; index++) {
    try {
      return await attempt();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const failure = classifyDownloadError(error, options.url);
      if (!failure.retryable) throw failure.error;
      if (index >= options.retries) throw withAttempts(failure.error, index + 1);
      const delay = Math.min(maxDelayMs, options.retryDelayMs * 2 ** index) * (0.8 + Math.random() * 0.4);
      options.logger.warn(
        `${failure.error.message} Retrying in ${(delay / 1000).toFixed(1)} s (attempt ${index + 2} of ${options.retries + 1}).`,
      );
      await sleep(delay, options.signal);
    }
  }
}

function withAttempts(error: TnbuildError, attempts: number): TnbuildError {
  if (attempts === 1) return error;
  return new TnbuildError(error.code, `${error.message} Gave up after ${attempts} attempts.`, {
    hint: error.hint,
    cause: error.cause,
    details: error.details,
  });
}
