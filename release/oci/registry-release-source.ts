import { createHash } from 'node:crypto';
import { fetchArtifact } from '../../artifacts/fetch-artifact.ts';
import type { FetchOptions } from '../../artifacts/types.ts';
import { isTnbuildError, TnbuildError } from '../../errors/index.ts';
import { SMALL_FILE_MAX_BYTES } from '../open-release-file.ts';
import type { ReleaseSource } from '../release-source.ts';
import { blobLocations, MOUNT_MIN_BYTES } from './blob-locations.ts';
import { MANIFEST_MAX_BYTES, OCI_MANIFEST, readArtifactManifest } from './oci-artifact.ts';
import { formatOciReference, type OciReference } from './oci-reference.ts';
import { openRegistry, type RegistryOptions, unexpectedAnswer } from './registry-client.ts';

export interface RegistryReleaseSource extends ReleaseSource {
  /** `registry/repository@sha256:…`: what was pulled, reproducibly. */
  readonly pinned: string;
}

/**
 * A release pushed to an OCI registry (`tnbuild push`). The manifest is read once, by tag or digest, and its own
 * digest checked; every file is the blob whose digest SHA256SUMS signs, so the registry is only transport. Large
 * blobs go through the artifact cache: resumable, and two pulls of one digest share one download.
 */
export async function openRegistryReleaseSource(
  reference: OciReference,
  options: { registry?: RegistryOptions; fetch?: FetchOptions } = {},
): Promise<RegistryReleaseSource> {
  const client = await openRegistry(reference.registry, {
    ...options.registry,
    ...(options.fetch?.signal && { signal: options.fetch.signal }),
  });
  const scope = `repository:${reference.repository}:pull`;
  const shown = formatOciReference(reference);
  const wanted = reference.digest ?? reference.tag ?? 'latest';
  const response = await client.request('GET', `/v2/${reference.repository}/manifests/${wanted}`, {
    headers: { accept: OCI_MANIFEST },
    scope,
    maxBodyBytes: MANIFEST_MAX_BYTES,
  });
  if (response.status === 404) {
    throw new TnbuildError('TNB605', `${shown} is not in the registry`, {
      hint: 'Check the repository and tag (`skopeo list-tags docker://REGISTRY/REPOSITORY` lists the tags).',
    });
  }
  if (response.status !== 200)
    throw unexpectedAnswer(reference.registry, `GET of manifest ${wanted}`, response);
  const digest = `sha256:${createHash('sha256').update(response.body).digest('hex')}`;
  const announced = response.header('docker-content-digest');
  if ((reference.digest && digest !== reference.digest) || (announced && announced !== digest)) {
    throw new TnbuildError(
      'TNB600',
      `the manifest ${reference.registry} returned for ${shown} does not have the digest asked for`,
      {
        details: [`expected ${reference.digest ?? announced}`, `actual   ${digest}`],
      },
    );
  }
  const pinned = formatOciReference({
    registry: reference.registry,
    repository: reference.repository,
    digest,
  });
  const { files } = readArtifactManifest(response.body, pinned);
  const blobUrl = (blob: string) => `${client.origin}/v2/${reference.repository}/blobs/${blob}`;

  return {
    label: pinned,
    pinned,
    async readSmall(file) {
      const blob = files.get(file);
      if (!blob) return undefined;
      if (blob.size > SMALL_FILE_MAX_BYTES) {
        throw new TnbuildError(
          'TNB606',
          `${pinned}: ${file} is ${blob.size} bytes, more than a ${file} can be`,
        );
      }
      const got = await client.request('GET', `/v2/${reference.repository}/blobs/${blob.digest}`, {
        scope,
        maxBodyBytes: blob.size,
      });
      if (got.status !== 200) throw unexpectedAnswer(reference.registry, `GET of blob ${blob.digest}`, got);
      if (`sha256:${createHash('sha256').update(got.body).digest('hex')}` !== blob.digest) {
        throw new TnbuildError('TNB600', `${file} from ${pinned} does not have its manifest's digest`);
      }
      return got.body;
    },
    async fetchVerified(entry, maxBytes, onProgress) {
      const blob = files.get(entry.file);
      if (!blob) {
        throw new TnbuildError(
          'TNB600',
          `the release is incomplete: ${entry.file} is listed in SHA256SUMS but not in ${pinned}`,
        );
      }
      if (blob.digest !== `sha256:${entry.sha256}`) {
        throw new TnbuildError(
          'TNB600',
          `${pinned} gives ${entry.file} another digest than the signed SHA256SUMS`,
          {
            details: [`SHA256SUMS sha256:${entry.sha256}`, `manifest   ${blob.digest}`],
          },
        );
      }
      if (blob.size > maxBytes) {
        throw new TnbuildError(
          'TNB606',
          `${pinned}: ${entry.file} is ${blob.size} bytes, more than the ${maxBytes} allowed`,
        );
      }
      try {
        const result = await fetchArtifact(
          {
            url: blobUrl(blob.digest),
            fileName: entry.file,
            checksum: { algorithm: 'sha256', value: entry.sha256 },
            maxBytes,
          },
          {
            ...options.fetch,
            transport: client.transport(scope),
            ...(onProgress && { onProgress: (event) => onProgress({ ...event, stage: 'download' }) }),
          },
        );
        if (blob.size >= MOUNT_MIN_BYTES) {
          // So a push of this template to another repository of the registry mounts the disk, not uploads it.
          await blobLocations(reference.registry, options.fetch?.cacheDir).remember(reference.repository, [
            blob.digest,
          ]);
        }
        return result.path;
      } catch (error) {
        if (isTnbuildError(error) && error.code === 'TNB206')
          throw new TnbuildError('TNB606', error.message, { cause: error });
        if (isTnbuildError(error) && error.code === 'TNB201') {
          throw new TnbuildError(
            'TNB600',
            `${entry.file} from ${pinned} does not match SHA256SUMS; the download was deleted`,
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
