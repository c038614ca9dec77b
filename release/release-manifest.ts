import { z } from 'zod';
import { templateManifestSchema } from '../templates/index.ts';
import { COMPRESSIONS } from './compression.ts';
import { SIGNATURE_FILE, SIGNATURE_NAMESPACE } from './release-layout.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const bytes = z.number().int().nonnegative();

/** One input of one layer, with the checksum that pins it when one is known. */
export const releaseInputSchema = z.object({
  /** The recipe (layer) that used it. */
  recipe: z.string(),
  name: z.string(),
  url: z.string().optional(),
  /** `sha256:<hex>` (or sha512) of the input's content; absent when nothing on record pins it. */
  checksum: z.string().optional(),
  /** `content`: a local file hashed; `recipe`: the recipe pins the hash; `published`: a sums file did (named). */
  pinnedBy: z.string(),
});

export const reproducibilitySchema = z.object({
  statement: z.string(),
  templateKey: sha256,
  /** This template, then its parent, up to the layer installed from an ISO. */
  layers: z.array(
    z.object({
      recipe: z.string(),
      key: sha256,
      parentKey: sha256.nullable(),
      builtAt: z.string(),
      available: z.boolean(),
    }),
  ),
  inputs: z.array(releaseInputSchema),
  tools: z.object({ tnbuild: z.string(), qemu: z.string(), compressor: z.string() }),
});

/** `manifest.json` of a release: the template's manifest plus what the release adds. */
export const releaseManifestSchema = z.object({
  format: z.literal(1),
  kind: z.literal('tnbuild-release'),
  name: z.string(),
  version: z.string(),
  arch: z.enum(['aarch64', 'x86_64']),
  releasedAt: z.string(),
  image: z.object({
    file: z.string(),
    compression: z.enum(COMPRESSIONS as ['zstd', 'xz', 'qcow2']),
    size: bytes,
    sha256,
    /** The qcow2 the template store gets: the template's disk byte for byte (zstd, xz), or the image itself (qcow2). */
    qcow2: z.object({ size: bytes, sha256, virtualSize: bytes }),
  }),
  sbom: z.object({ file: z.string(), format: z.literal('SPDX-2.3'), sha256, packages: bytes }),
  /** Who signed, for people reading it; trust comes only from the key the puller passes, never from here. */
  signature: z.object({
    file: z.literal(SIGNATURE_FILE),
    namespace: z.literal(SIGNATURE_NAMESPACE),
    publicKey: z.string(),
    fingerprint: z.string(),
  }),
  reproducibility: reproducibilitySchema,
  template: templateManifestSchema,
});

export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;
export type Reproducibility = z.infer<typeof reproducibilitySchema>;
export type ReleaseInput = z.infer<typeof releaseInputSchema>;
