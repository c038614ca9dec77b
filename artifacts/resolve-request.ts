import { TnbuildError } from '../errors/index.ts';
import { fileNameFromUrl, isSafeFileName } from './file-name.ts';
import type { ArtifactRequest, Checksum, ChecksumAlgorithm } from './types.ts';

/** A request with its file name filled in and its checksum normalised to lower-case hex. */
export interface ResolvedArtifactRequest {
  readonly url: string;
  readonly fileName: string;
  readonly algorithm: ChecksumAlgorithm;
  /** Pinned in the request; otherwise read from `checksumUrl`. */
  readonly checksum: Checksum | undefined;
  readonly checksumUrl: string | undefined;
  readonly maxBytes: number | undefined;
}

const hexLength: Record<ChecksumAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Checks a request and reports every problem at once (TNB205). */
export function resolveRequest(request: ArtifactRequest): ResolvedArtifactRequest {
  const issues: string[] = [];
  const url = checkUrl(request.url, 'url', issues);
  const fileName = request.fileName ?? (url ? fileNameFromUrl(url) : '');
  if (url && !isSafeFileName(fileName)) {
    issues.push(
      `fileName: expected a plain file name, got "${fileName}" (pass \`fileName\` when the URL does not end in one)`,
    );
  }
  let checksum: Checksum | undefined;
  let checksumUrl: string | undefined;
  let algorithm: ChecksumAlgorithm = 'sha256';
  if ('checksum' in request && request.checksum) {
    algorithm = checkAlgorithm(request.checksum.algorithm, 'checksum.algorithm', issues);
    const value = String(request.checksum.value).trim().toLowerCase();
    const length = hexLength[algorithm];
    if (!new RegExp(`^[0-9a-f]{${length}}$`).test(value)) {
      issues.push(
        `checksum.value: expected ${length} hex digits for ${algorithm}, got "${request.checksum.value}"`,
      );
    }
    checksum = { algorithm, value };
  } else if ('checksumUrl' in request && request.checksumUrl) {
    checksumUrl = checkUrl(request.checksumUrl, 'checksumUrl', issues);
    algorithm = checkAlgorithm(request.algorithm, 'algorithm', issues);
  } else {
    issues.push(
      'checksum: expected `checksum: { algorithm, value }` or `checksumUrl` with `algorithm`; a download is never unverified',
    );
  }
  if (issues.length > 0) {
    throw new TnbuildError('TNB205', `The download request for ${request.url} is invalid.`, {
      details: issues,
    });
  }
  return { url: url as string, fileName, algorithm, checksum, checksumUrl, maxBytes: request.maxBytes };
}

function checkUrl(value: string, field: string, issues: string[]): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {}
  issues.push(`${field}: expected an http(s) URL, got "${value}"`);
  return undefined;
}

function checkAlgorithm(value: unknown, field: string, issues: string[]): ChecksumAlgorithm {
  if (value === 'sha256' || value === 'sha512') return value;
  issues.push(`${field}: expected sha256 | sha512, got "${String(value)}"`);
  return 'sha256';
}
