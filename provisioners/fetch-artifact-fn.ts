import type { ArtifactRequest, FetchResult } from '../artifacts/types.ts';

/** The artifact cache's `fetchArtifact`, or anything with its shape (tests pass the real one against a local server). */
export type FetchArtifact = (
  request: ArtifactRequest,
) => Promise<Pick<FetchResult, 'path' | 'fileName' | 'checksum'>>;

/** The real cache, loaded only when a download step needs it. */
export const defaultFetchArtifact: FetchArtifact = async (request) => {
  const { fetchArtifact } = await import('../artifacts/index.ts');
  return fetchArtifact(request);
};
