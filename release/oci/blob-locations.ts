import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createCacheLayout } from '../../artifacts/cache-layout.ts';
import { resolveFetchOptions } from '../../artifacts/resolve-fetch-options.ts';
import { writeFileAtomic } from '../../artifacts/write-file-atomic.ts';
import { readReleaseFile } from '../open-release-file.ts';
import { isRepositoryName } from './oci-reference.ts';

// Which repositories of a registry hold a blob, as far as this machine saw: after a push to trustnet/node, a push of
// the same disk to trustnet/node-staging mounts it (one request) instead of sending gigabytes again. Docker keeps
// the same bookkeeping. A hint and nothing more: a wrong or stale entry costs one request, never trust.

/** Blobs smaller than this are sent rather than looked up: a mount saves nothing on them. */
export const MOUNT_MIN_BYTES = 1024 * 1024;
const MAX_BLOBS = 256;
const MAX_REPOSITORIES = 4;
const MAX_FILE_BYTES = 256 * 1024;

type Locations = Record<string, string[]>;

export interface BlobLocations {
  /** Repositories (most recent first) that held `digest` when this machine last pushed or pulled it. */
  repositoriesWith(digest: string): Promise<string[]>;
  remember(repository: string, digests: readonly string[]): Promise<void>;
}

/** The record for one registry, in the artifact cache (`registries/`); `cacheDir` as fetches resolve it. */
export function blobLocations(registry: string, cacheDir?: string): BlobLocations {
  const layout = createCacheLayout(resolveFetchOptions(cacheDir === undefined ? {} : { cacheDir }).cacheDir);
  const file = layout.registryPath(registry);
  const read = async (): Promise<Locations> => {
    try {
      const bytes = await readReleaseFile(file, MAX_FILE_BYTES);
      const parsed: unknown = bytes && JSON.parse(bytes.toString('utf8'));
      const blobs = (parsed as { registry?: unknown; blobs?: unknown } | undefined)?.blobs;
      if ((parsed as { registry?: unknown })?.registry !== registry || typeof blobs !== 'object') return {};
      return blobs as Locations;
    } catch {
      // A cache: unreadable or odd means nothing is known, and the next write replaces it.
      return {};
    }
  };
  // Read once for the lookups of a push; `remember` reads afresh, to merge what another push wrote meanwhile.
  let snapshot: Promise<Locations> | undefined;
  return {
    async repositoriesWith(digest) {
      snapshot ??= read();
      const repositories = (await snapshot)[digest];
      // The names go into a URL and a token's scope: only what a repository name can be.
      return Array.isArray(repositories)
        ? repositories.filter((name) => typeof name === 'string' && isRepositoryName(name))
        : [];
    },
    async remember(repository, digests) {
      const blobs = await read();
      for (const digest of digests) {
        const known = Array.isArray(blobs[digest]) ? blobs[digest] : [];
        delete blobs[digest];
        blobs[digest] = [repository, ...known.filter((name) => name !== repository)].slice(
          0,
          MAX_REPOSITORIES,
        );
      }
      // Insertion order is recency: the oldest go first.
      const kept = Object.fromEntries(Object.entries(blobs).slice(-MAX_BLOBS));
      snapshot = Promise.resolve(kept);
      await mkdir(dirname(file), { recursive: true });
      await mkdir(layout.tmpDir, { recursive: true });
      await writeFileAtomic(layout, file, `${JSON.stringify({ registry, blobs: kept })}\n`);
    },
  };
}
