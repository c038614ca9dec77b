import type { TnbuildError } from '../errors/index.ts';

/** A failed attempt, with whether trying again (resuming) could help. */
export class DownloadAttemptError extends Error {
  override readonly name = 'DownloadAttemptError';
  constructor(
    readonly error: TnbuildError,
    readonly retryable: boolean,
  ) {
    super(error.message, { cause: error });
  }
}

/** The server answered with a status we cannot use. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }
}

/** No byte (or no headers) within the stall timeout. */
export class StallError extends Error {
  override readonly name = 'StallError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly received: number,
  ) {
    super(`no data from ${url} for ${timeoutMs} ms`);
  }
}

/** The server sent (or announced) more bytes than the caller said the file can have. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super(`${url} is larger than the ${maxBytes} bytes expected`);
  }
}

/** The connection ended before Content-Length bytes arrived. */
export class ShortBodyError extends Error {
  override readonly name = 'ShortBodyError';
  constructor(
    readonly url: string,
    readonly received: number,
    readonly expected: number,
  ) {
    super(`connection to ${url} closed after ${received} of ${expected} bytes`);
  }
}
