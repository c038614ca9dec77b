import { TnbuildError } from '../errors/index.ts';
import {
  DownloadAttemptError,
  HttpStatusError,
  ShortBodyError,
  StallError,
  TooLargeError,
} from './download-error.ts';

const tlsCodes = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

const droppedCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Turns whatever one attempt threw into a message a person can act on, and whether a retry may help. */
export function classifyDownloadError(error: unknown, url: string): DownloadAttemptError {
  if (error instanceof DownloadAttemptError) return error;
  if (error instanceof StallError) {
    const message = `No data from ${url} for ${formatSeconds(error.timeoutMs)} (the stall timeout) after ${error.received} bytes; the server stopped sending.`;
    return new DownloadAttemptError(new TnbuildError('TNB203', message, { cause: error }), true);
  }
  if (error instanceof HttpStatusError) return classifyStatus(error);
  if (error instanceof TooLargeError) {
    const message = `${url} is larger than the ${error.maxBytes} bytes it was declared to have; the download was stopped there.`;
    return new DownloadAttemptError(new TnbuildError('TNB206', message, { cause: error }), false);
  }
  if (error instanceof ShortBodyError) {
    return new DownloadAttemptError(
      new TnbuildError('TNB200', `Download of ${url} was cut off: ${error.message}.`, { cause: error }),
      true,
    );
  }
  const code = errorCode(error);
  const host = hostOf(url);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const message = `Could not resolve host "${host}" for ${url} (DNS lookup failed: ${code}). Check the host name and your DNS or network connection.`;
    return new DownloadAttemptError(
      new TnbuildError('TNB200', message, { cause: error }),
      code === 'EAI_AGAIN',
    );
  }
  if (code === 'ECONNREFUSED') {
    const message = `Connection refused by ${host} for ${url}: nothing is listening there, or a firewall rejects it.`;
    return new DownloadAttemptError(new TnbuildError('TNB200', message, { cause: error }), true);
  }
  if (
    code !== undefined &&
    (tlsCodes.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
  ) {
    const message = `TLS failure talking to ${host} for ${url}: ${code} (${reason}). The server's certificate could not be verified.`;
    const hint =
      'Check the system clock and CA certificates; behind an intercepting proxy, point NODE_EXTRA_CA_CERTS at its CA. Or use --mirror.';
    return new DownloadAttemptError(new TnbuildError('TNB200', message, { cause: error, hint }), false);
  }
  if ((code !== undefined && droppedCodes.has(code)) || reason === 'aborted' || reason === 'socket hang up') {
    const message = `Connection to ${host} dropped while fetching ${url} (${code ?? reason}).`;
    return new DownloadAttemptError(new TnbuildError('TNB200', message, { cause: error }), true);
  }
  return new DownloadAttemptError(
    new TnbuildError('TNB200', `Download of ${url} failed: ${reason}.`, { cause: error }),
    false,
  );
}

function classifyStatus(error: HttpStatusError): DownloadAttemptError {
  const { status, url } = error;
  if (status === 404 || status === 410) {
    const message = `${url} returned HTTP ${status} Not Found: the file is not on the server (a typo in the URL, or the release moved).`;
    return new DownloadAttemptError(new TnbuildError('TNB200', message, { cause: error }), false);
  }
  const retryable = status >= 500 || status === 408 || status === 429;
  const message = `${url} returned HTTP ${status}${retryable ? ' (a server-side problem)' : ''}.`;
  return new DownloadAttemptError(new TnbuildError('TNB200', message, { cause: error }), retryable);
}

function errorCode(error: unknown): string | undefined {
  for (
    let current = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
