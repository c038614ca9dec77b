import type { ArtifactRequest } from '../artifacts/index.ts';
import type { PlannedDownload } from '../plan/plan-build.ts';

/** A planned download as the artifact cache's request: a pinned checksum, or a published sums file. */
export function toArtifactRequest(download: Pick<PlannedDownload, 'url' | 'checksum'>): ArtifactRequest {
  const { url, checksum } = download;
  if ('value' in checksum) return { url, checksum: { algorithm: checksum.algorithm, value: checksum.value } };
  return { url, checksumUrl: checksum.file, algorithm: checksum.algorithm };
}
