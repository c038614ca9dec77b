import { createCacheLayout } from './cache-layout.ts';
import { prepareCache } from './prepare-cache.ts';
import { resolveFetchOptions } from './resolve-fetch-options.ts';
import { resolvePublishedChecksum } from './resolve-published-checksum.ts';
import { resolveRequest } from './resolve-request.ts';
import type { Checksum, FetchOptions, PublishedChecksumRequest } from './types.ts';

/**
 * The digest a published sums file gives for a file today: read from the publisher (or the mirror) when online,
 * from the cached copy offline or when the publisher cannot be reached. A plan pins it into its cache keys.
 */
export async function lookupPublishedChecksum(
  request: PublishedChecksumRequest,
  options: FetchOptions = {},
): Promise<Checksum> {
  const resolved = resolveFetchOptions(options);
  const layout = createCacheLayout(resolved.cacheDir);
  await prepareCache(layout);
  return resolvePublishedChecksum(resolveRequest(request), layout, resolved, { fresh: true });
}
