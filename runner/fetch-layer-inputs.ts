import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fetchArtifact } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import type { PlannedDownload } from '../plan/plan-build.ts';
import { toArtifactRequest } from './artifact-request.ts';
import type { LayerContext } from './layer-context.ts';

/**
 * A planned download as a local, verified path: http(s) through the artifact cache; `file://` read in place after
 * checking its pinned checksum (a local ISO needs no copy in the cache).
 */
export async function fetchInput(context: LayerContext, download: PlannedDownload): Promise<string> {
  if (!download.url.startsWith('file://')) {
    return (await fetchArtifact(toArtifactRequest(download), context.fetchOptions)).path;
  }
  const path = fileURLToPath(download.url);
  if (!('value' in download.checksum)) {
    throw new TnbuildError(
      'TNB205',
      `a file:// input needs a pinned checksum, not a checksum file (${download.url})`,
      {
        field: download.for,
      },
    );
  }
  const actual = await hashFile(path, download.checksum.algorithm).catch((error: unknown) => {
    throw new TnbuildError('TNB106', `${path} cannot be read: ${(error as Error).message}`, {
      field: download.for,
    });
  });
  if (actual !== download.checksum.value) {
    throw new TnbuildError(
      'TNB201',
      `${path} has ${download.checksum.algorithm} ${actual}, the recipe pins ${download.checksum.value}`,
      {
        field: download.for,
      },
    );
  }
  return path;
}

function hashFile(path: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
