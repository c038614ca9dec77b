import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { fetchArtifact } from './fetch-artifact.ts';
import { describeOfflineGaps, planFetch } from './plan-fetch.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import type { ArtifactRequest, FetchOptions, FetchResult } from './types.ts';

/**
 * Fetches every input of a build, one after another. Offline, it first checks all of them and fails with one error
 * naming everything that is missing, before fetching anything. Online, an input that fails does not stop the
 * others: the error at the end names every input that failed, and why.
 */
export async function fetchArtifacts(
  requests: readonly ArtifactRequest[],
  options: FetchOptions = {},
): Promise<FetchResult[]> {
  const resolved = resolveFetchOptions(options);
  if (resolved.offline) {
    const gaps = describeOfflineGaps(await planFetch(requests, options), resolved.cacheDir, resolved.mirror);
    if (gaps) throw gaps;
  }
  const results: FetchResult[] = [];
  const failures: { request: ArtifactRequest; error: TnbuildError }[] = [];
  for (const request of requests) {
    try {
      results.push(await fetchArtifact(request, options));
    } catch (error) {
      if (options.signal?.aborted || !isTnbuildError(error)) throw error;
      failures.push({ request, error });
    }
  }
  if (failures.length === 1) throw failures[0]!.error;
  if (failures.length > 1) {
    const codes = new Set(failures.map((failure) => failure.error.code));
    throw new TnbuildError(
      codes.size === 1 ? failures[0]!.error.code : 'TNB200',
      `${failures.length} of ${requests.length} inputs could not be fetched`,
      {
        details: failures.map(({ request, error }) => `${request.url}: ${error.message}`),
        hint: failures[0]!.error.hint,
      },
    );
  }
  return results;
}
