import { fetchArtifact } from './fetch-artifact.ts';
import { describeOfflineGaps, planFetch } from './plan-fetch.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import type { ArtifactRequest, FetchOptions, FetchResult } from './types.ts';

/**
 * Fetches every input of a build, one after another. Offline, it first checks all of them and fails with one error
 * naming everything that is missing, before fetching anything.
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
  for (const request of requests) results.push(await fetchArtifact(request, options));
  return results;
}
