import { z } from 'zod';
import { ARCHES } from '../dsl/arch.ts';
import { fileNameSchema, lineSchema, nameSchema, sha256HexSchema as sha256 } from '../dsl/fields.ts';
import { templateManifestSchema } from '../templates/index.ts';
import { COMPRESSIONS } from './compression.ts';
import { SIGNATURE_FILE, SIGNATURE_NAMESPACE } from './release-layout.ts';

// Parsed only after the signature and SHA256SUMS have been checked, and still strictly: a signer can be compromised,
// and these values become file names, folder names and lines people read.

const bytes = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 53 - 1);
/** A release name or version: part of file and folder names (release-layout.ts's assertNameSegment). */
const segment = fileNameSchema;

/** One input of one layer, with the checksum that pins it when one is known. */
export const releaseInputSchema = z.object({
  /** The recipe (layer) that used it. */
  recipe: nameSchema,
  name: lineSchema,
  url: lineSchema.optional(),
  /** `sha256:<hex>` (or sha512) of the input's content; absent when nothing on record pins it. */
  checksum: lineSchema.optional(),
  /** `content`: a local file hashed; `recipe`: the recipe pins the hash; `published`: a sums file did (named). */
  pinnedBy: lineSchema,
});

export const reproducibilitySchema = z.object({
  statement: z.string().max(100_000),
  templateKey: sha256,
  /** This template, then its parent, up to the layer installed from an ISO. */
  layers: z.array(
    z.object({
      recipe: nameSchema,
      key: sha256,
      parentKey: sha256.nullable(),
      builtAt: lineSchema,
      available: z.boolean(),
    }),
  ),
  inputs: z.array(releaseInputSchema),
  tools: z.object({ tnbuild: lineSchema, qemu: lineSchema, compressor: lineSchema }),
});

/** `manifest.json` of a release: the template's manifest plus what the release adds. */
export const releaseManifestSchema = z.object({
  format: z.literal(1),
  kind: z.literal('tnbuild-release'),
  name: segment,
  version: segment,
  arch: z.enum(ARCHES),
  releasedAt: lineSchema,
  image: z.object({
    file: fileNameSchema,
    compression: z.enum(COMPRESSIONS as ['zstd', 'xz', 'qcow2']),
    size: bytes,
    sha256,
    /** The qcow2 the template store gets: the template's disk byte for byte (zstd, xz), or the image itself (qcow2). */
    qcow2: z.object({ size: bytes, sha256, virtualSize: bytes }),
  }),
  sbom: z.object({ file: fileNameSchema, format: z.literal('SPDX-2.3'), sha256, packages: bytes }),
  /** Who signed, for people reading it; trust comes only from the key the puller passes, never from here. */
  signature: z.object({
    file: z.literal(SIGNATURE_FILE),
    namespace: z.literal(SIGNATURE_NAMESPACE),
    publicKey: lineSchema,
    fingerprint: lineSchema,
  }),
  reproducibility: reproducibilitySchema,
  template: templateManifestSchema,
});

export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;
export type Reproducibility = z.infer<typeof reproducibilitySchema>;
export type ReleaseInput = z.infer<typeof releaseInputSchema>;
