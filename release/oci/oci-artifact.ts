import { z } from 'zod';
import { fileNameSchema } from '../../dsl/fields.ts';
import { TnbuildError } from '../../errors/index.ts';
import { RELEASE_MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE } from '../release-layout.ts';

// A release folder as an OCI artifact (image manifest, OCI 1.1 `artifactType`): the release manifest is the config,
// every other file a layer named by its `org.opencontainers.image.title`. Blob digests are the sha256 values
// SHA256SUMS signs, so a registry adds transport, never trust. The media types are documented in release/README.md.

export const ARTIFACT_TYPE = 'application/vnd.tnbuild.template.v1';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const CONFIG_MEDIA_TYPE = 'application/vnd.tnbuild.release.manifest.v1+json';
export const TITLE = 'org.opencontainers.image.title';
/** A manifest is a page of JSON; a registry's answer larger than this is not one tnbuild wrote. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

/** The media type of a release file, by its name. */
export function mediaTypeOf(file: string): string {
  if (file === SUMS_FILE) return 'application/vnd.tnbuild.sha256sums.v1';
  if (file === SIGNATURE_FILE) return 'application/vnd.tnbuild.sha256sums.sig.v1';
  if (file === RELEASE_MANIFEST_FILE) return CONFIG_MEDIA_TYPE;
  if (file.endsWith('.spdx.json')) return 'application/spdx+json';
  if (file.endsWith('.qcow2.zst')) return 'application/vnd.tnbuild.disk.qcow2.v1+zstd';
  if (file.endsWith('.qcow2.xz')) return 'application/vnd.tnbuild.disk.qcow2.v1+xz';
  if (file.endsWith('.qcow2')) return 'application/vnd.tnbuild.disk.qcow2.v1';
  return 'application/octet-stream';
}

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected a sha256 digest');
const descriptor = z.object({
  mediaType: z.string().max(255),
  digest: digestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  annotations: z.record(z.string().max(255), z.string().max(4096)).optional(),
});

/** What tnbuild reads of a manifest; other fields (OCI allows them) are ignored. */
const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_MANIFEST),
  artifactType: z.string(),
  config: descriptor,
  layers: z
    .array(
      descriptor.extend({
        annotations: z.object({ [TITLE]: fileNameSchema }).catchall(z.string().max(4096)),
      }),
    )
    .max(16),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type Descriptor = z.infer<typeof descriptor>;

/** A pulled manifest: each release file's blob, by file name. */
export interface ArtifactFiles {
  readonly files: ReadonlyMap<string, Descriptor>;
}

/** Parses a manifest a registry returned; TNB612 when it is not a tnbuild template, TNB606 when it is malformed. */
export function readArtifactManifest(bytes: Buffer, where: string): ArtifactFiles {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TnbuildError('TNB612', `${where} is not a JSON manifest`);
  }
  const type = (json as { artifactType?: unknown } | null)?.artifactType;
  if (type !== ARTIFACT_TYPE) {
    throw new TnbuildError(
      'TNB612',
      `${where} is ${typeof type === 'string' ? `an artifact of type ${type.slice(0, 100)}` : 'not an OCI artifact'}, not a tnbuild template`,
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TnbuildError(
      'TNB606',
      `${where}: manifest field ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const files = new Map<string, Descriptor>([[RELEASE_MANIFEST_FILE, parsed.data.config]]);
  for (const layer of parsed.data.layers) {
    const name = layer.annotations[TITLE];
    if (files.has(name)) throw new TnbuildError('TNB606', `${where} names ${name} twice`);
    files.set(name, layer);
  }
  return { files };
}
