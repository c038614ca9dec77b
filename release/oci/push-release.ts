import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isTnbuildError, TnbuildError } from '../../errors/index.ts';
import { openReleaseFile, readReleaseFile, SMALL_FILE_MAX_BYTES } from '../open-release-file.ts';
import { RELEASE_MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE } from '../release-layout.ts';
import { parseSha256Sums } from '../sha256-sums.ts';
import { blobLocations, MOUNT_MIN_BYTES } from './blob-locations.ts';
import { ARTIFACT_TYPE, type Descriptor, mediaTypeOf, OCI_MANIFEST, TITLE } from './oci-artifact.ts';
import { formatOciReference, type OciReference } from './oci-reference.ts';
import {
  openRegistry,
  type RegistryClient,
  type RegistryOptions,
  type RegistryResponse,
  unexpectedAnswer,
} from './registry-client.ts';

export interface PushReleaseOptions {
  /** A release folder (`tnbuild release` writes them). */
  readonly dir: string;
  /** Where to: a tag is required (`:latest` is not assumed for a push). */
  readonly reference: OciReference;
  readonly registry?: RegistryOptions;
  /** Bytes per upload request: a large disk goes up in several, never one. @default 32 MiB */
  readonly chunkBytes?: number;
  /** Where the record of which repositories hold which blobs lives (blob-locations.ts). @default the artifact cache */
  readonly cacheDir?: string;
  readonly onProgress?: (event: PushProgress) => void;
}

export interface PushProgress {
  readonly file: string;
  readonly sent: number;
  readonly total: number;
  /** The registry had the blob already, in this repository or (mounted) in another: nothing was sent. */
  readonly present: boolean;
  /** It came from another repository of the registry (a cross-repository mount). */
  readonly mounted?: boolean;
}

export interface PushResult {
  /** `registry/repository@sha256:…`. */
  readonly pinned: string;
  readonly digest: string;
  /** Bytes of blobs sent; 0 when the registry had every one (only the manifest went up). */
  readonly sentBytes: number;
  readonly blobs: readonly PushedBlob[];
}

export interface PushedBlob {
  readonly file: string;
  readonly digest: string;
  readonly size: number;
  /** Its bytes went up in this push. */
  readonly sent: boolean;
  /** Mounted from another repository of the registry instead. */
  readonly mounted: boolean;
}

const DEFAULT_CHUNK = 32 * 1024 * 1024;
/** A release holds a disk image, not a filesystem: the largest file tnbuild will push. */
const MAX_FILE_BYTES = 64 * 1024 ** 3;

/**
 * Pushes a release folder as an OCI artifact (oci-artifact.ts): each file a blob whose digest is its SHA256SUMS
 * value, sent only when the registry does not have it (HEAD first), in chunks; then the manifest, under the tag.
 * An interrupted push run again sends only what did not arrive.
 */
export async function pushRelease(options: PushReleaseOptions): Promise<PushResult> {
  const { reference } = options;
  if (!reference.tag || reference.digest) {
    throw new TnbuildError(
      'TNB610',
      `push to a tag, such as ${formatOciReference({ ...reference, tag: '1.0.0', digest: undefined })}`,
      {
        hint: 'A digest names content that exists; the push creates it and prints its digest.',
      },
    );
  }
  const dir = resolve(options.dir);
  const sums = await readReleaseFile(join(dir, SUMS_FILE), SMALL_FILE_MAX_BYTES);
  const signature = await readReleaseFile(join(dir, SIGNATURE_FILE), SMALL_FILE_MAX_BYTES);
  if (!sums || !signature) {
    throw new TnbuildError(
      'TNB605',
      `${dir} is not a signed release folder: it has no ${sums ? SIGNATURE_FILE : SUMS_FILE}`,
      {
        hint: 'Make one with `tnbuild release <recipe|template>`, then push that folder.',
      },
    );
  }
  const entries = parseSha256Sums(sums.toString('utf8'));
  if (!entries.some((entry) => entry.file === RELEASE_MANIFEST_FILE)) {
    throw new TnbuildError('TNB605', `${dir}/${SUMS_FILE} does not list ${RELEASE_MANIFEST_FILE}`);
  }

  const client = await openRegistry(reference.registry, options.registry);
  const scope = `repository:${reference.repository}:pull,push`;
  const locations = blobLocations(reference.registry, options.cacheDir);
  const blobs: PushedBlob[] = [];
  const descriptors = new Map<string, Descriptor>();
  const push = async (
    file: string,
    digest: string,
    size: number,
    read: (offset: number, length: number) => Promise<Buffer>,
  ) => {
    const present = await hasBlob(client, reference.repository, digest, size, scope);
    const mount =
      present || size < MOUNT_MIN_BYTES
        ? undefined
        : await mountBlob(
            client,
            reference.repository,
            digest,
            await locations.repositoriesWith(digest),
            scope,
          );
    const mounted = mount?.mounted === true;
    if (!present && !mounted) {
      await uploadBlob(client, reference.repository, { file, digest, size, read }, scope, {
        ...options,
        ...(mount?.session && { session: mount.session }),
      });
    }
    options.onProgress?.({
      file,
      sent: present || mounted ? 0 : size,
      total: size,
      present: present || mounted,
      mounted,
    });
    blobs.push({ file, digest, size, sent: !present && !mounted, mounted });
    descriptors.set(file, {
      mediaType: mediaTypeOf(file),
      digest,
      size,
      ...(file !== RELEASE_MANIFEST_FILE && { annotations: { [TITLE]: file } }),
    });
  };

  for (const entry of entries) {
    const opened = await openReleaseFile(join(dir, entry.file), MAX_FILE_BYTES);
    if (!opened)
      throw new TnbuildError('TNB605', `${dir} lists ${entry.file} in ${SUMS_FILE}, but it is not there`);
    try {
      await push(entry.file, `sha256:${entry.sha256}`, opened.size, async (offset, length) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await opened.handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      });
    } finally {
      await opened.handle.close();
    }
  }
  for (const [file, bytes] of [
    [SUMS_FILE, sums],
    [SIGNATURE_FILE, signature],
  ] as const) {
    await push(
      file,
      `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      bytes.length,
      async (offset, length) => bytes.subarray(offset, offset + length),
    );
  }

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: ARTIFACT_TYPE,
      config: descriptors.get(RELEASE_MANIFEST_FILE),
      layers: [...descriptors]
        .filter(([file]) => file !== RELEASE_MANIFEST_FILE)
        .map(([, descriptor]) => descriptor),
    }),
  );
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const put = await client.request('PUT', `/v2/${reference.repository}/manifests/${reference.tag}`, {
    headers: { 'content-type': OCI_MANIFEST },
    body: manifest,
    scope,
  });
  if (put.status !== 201) throw unexpectedAnswer(reference.registry, 'the manifest upload', put);
  const stored = put.header('docker-content-digest');
  if (stored && stored !== digest) {
    throw new TnbuildError(
      'TNB611',
      `${reference.registry} stored the manifest as ${stored}, not as the ${digest} sent`,
    );
  }
  await locations.remember(
    reference.repository,
    blobs.filter((blob) => blob.size >= MOUNT_MIN_BYTES).map((blob) => blob.digest),
  );
  return {
    pinned: formatOciReference({ registry: reference.registry, repository: reference.repository, digest }),
    digest,
    sentBytes: blobs.filter((blob) => blob.sent).reduce((sum, blob) => sum + blob.size, 0),
    blobs,
  };
}

async function hasBlob(
  client: RegistryClient,
  repository: string,
  digest: string,
  size: number,
  scope: string,
): Promise<boolean> {
  const response = await client.request('HEAD', `/v2/${repository}/blobs/${digest}`, { scope });
  if (response.status === 404) return false;
  if (response.status !== 200) throw unexpectedAnswer(client.origin, `HEAD of blob ${digest}`, response);
  return Number(response.header('content-length')) === size;
}

/**
 * Asks the registry to mount `digest` from each repository known to have held it (`POST …?mount=&from=`, OCI
 * distribution spec): 201 is done; 202 means it is not there, and opens an upload session, which the last attempt
 * hands on so the upload does not need another. A registry that refuses (no pull access to the other repository)
 * is answered by an ordinary upload.
 */
async function mountBlob(
  client: RegistryClient,
  repository: string,
  digest: string,
  from: readonly string[],
  scope: string,
): Promise<{ mounted: boolean; session?: RegistryResponse }> {
  const sources = from.filter((source) => source !== repository);
  for (const [index, source] of sources.entries()) {
    const query = new URLSearchParams({ mount: digest, from: source });
    let response: RegistryResponse;
    try {
      response = await client.request('POST', `/v2/${repository}/blobs/uploads/?${query}`, {
        scope: `${scope} repository:${source}:pull`,
      });
    } catch (error) {
      if (isTnbuildError(error) && error.code === 'TNB611') continue;
      throw error;
    }
    if (response.status === 201) return { mounted: true };
    if (response.status !== 202) continue;
    if (index === sources.length - 1) return { mounted: false, session: response };
    await client.request('DELETE', nextLocation(client, response), { scope }).catch(() => undefined);
  }
  return { mounted: false };
}

/** POST for an upload session, PATCH chunk after chunk (each answer says where the next goes), PUT with the digest. */
async function uploadBlob(
  client: RegistryClient,
  repository: string,
  blob: {
    file: string;
    digest: string;
    size: number;
    read: (offset: number, length: number) => Promise<Buffer>;
  },
  scope: string,
  options: PushReleaseOptions & { session?: RegistryResponse },
): Promise<void> {
  const started =
    options.session ?? (await client.request('POST', `/v2/${repository}/blobs/uploads/`, { scope }));
  if (started.status !== 202)
    throw unexpectedAnswer(client.origin, `the start of ${blob.file}'s upload`, started);
  let location = nextLocation(client, started);
  const chunk = options.chunkBytes ?? DEFAULT_CHUNK;
  for (let offset = 0; offset < blob.size; offset += chunk) {
    const bytes = await blob.read(offset, Math.min(chunk, blob.size - offset));
    const patched = await client.request('PATCH', location, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${offset}-${offset + bytes.length - 1}`,
      },
      body: bytes,
      scope,
    });
    if (patched.status !== 202)
      throw unexpectedAnswer(client.origin, `${blob.file} at byte ${offset}`, patched);
    location = nextLocation(client, patched);
    options.onProgress?.({ file: blob.file, sent: offset + bytes.length, total: blob.size, present: false });
  }
  const url = new URL(location);
  url.searchParams.set('digest', blob.digest);
  const done = await client.request('PUT', url.href, {
    headers: { 'content-type': 'application/octet-stream' },
    body: Buffer.alloc(0),
    scope,
  });
  if (done.status === 400) {
    throw new TnbuildError(
      'TNB600',
      `${blob.file} does not match ${blob.digest}: the release folder changed after it was signed`,
    );
  }
  if (done.status !== 201) throw unexpectedAnswer(client.origin, `the end of ${blob.file}'s upload`, done);
}

function nextLocation(
  client: RegistryClient,
  response: { header(name: string): string | undefined },
): string {
  const location = response.header('location');
  if (!location) throw new TnbuildError('TNB611', `${client.origin} did not say where the upload continues`);
  return new URL(location, client.origin).href;
}
