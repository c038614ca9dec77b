import { fetchText } from '../artifacts/fetch-text.ts';
import { type FetchOptions, fetchArtifact, resolveFetchOptions } from '../artifacts/index.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { SMALL_FILE_MAX_BYTES } from './open-release-file.ts';
import type { ReleaseSource } from './release-source.ts';

/**
 * A release published over http(s): `source` is the folder's URL (a trailing SHA256SUMS is dropped). The two small
 * signed-list files are read fresh every time; every file SHA256SUMS lists is fetched through the artifact cache
 * pinned to its listed sha256, so it is resumable, can come from a mirror, and a second pull downloads nothing.
 */
export function openUrlReleaseSource(source: string, fetchOptions: FetchOptions): ReleaseSource {
  const base = new URL(source.replace(/\/SHA256SUMS$/, '').replace(/\/?$/, '/'));
  const urlOf = (file: string) => new URL(file, base).href;
  const resolved = resolveFetchOptions(fetchOptions);
  return {
    label: base.href,
    async readSmall(file) {
      try {
        return Buffer.from(await fetchText(urlOf(file), resolved, SMALL_FILE_MAX_BYTES), 'utf8');
      } catch (error) {
        if (isNotFound(error)) return undefined;
        if (isTnbuildError(error) && error.code === 'TNB206') {
          throw new TnbuildError('TNB606', error.message, { cause: error });
        }
        throw error;
      }
    },
    async fetchVerified(entry, maxBytes, onProgress) {
      const url = urlOf(entry.file);
      try {
        const result = await fetchArtifact(
          { url, fileName: entry.file, checksum: { algorithm: 'sha256', value: entry.sha256 }, maxBytes },
          {
            ...fetchOptions,
            ...(onProgress && { onProgress: (event) => onProgress({ ...event, stage: 'download' }) }),
          },
        );
        return result.path;
      } catch (error) {
        if (isNotFound(error)) {
          throw new TnbuildError(
            'TNB600',
            `the release is incomplete: ${entry.file} is listed in SHA256SUMS but ${url} is not found`,
            { cause: error },
          );
        }
        if (isTnbuildError(error) && error.code === 'TNB206') {
          throw new TnbuildError('TNB606', error.message, { cause: error });
        }
        if (isTnbuildError(error) && error.code === 'TNB201') {
          throw new TnbuildError(
            'TNB600',
            `${entry.file} from ${url} does not match SHA256SUMS: it was changed or damaged after the release was signed; the download was deleted`,
            {
              cause: error,
              details: error.details,
            },
          );
        }
        throw error;
      }
    },
  };
}

function isNotFound(error: unknown): boolean {
  const status = isTnbuildError(error)
    ? (error.cause as { status?: unknown } | undefined)?.status
    : undefined;
  return status === 404 || status === 410;
}
