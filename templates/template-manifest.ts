import { z } from 'zod';
import { ARCHES } from '../dsl/arch.ts';
import {
  interfaceSchema,
  ipv6Schema,
  lineSchema,
  nameSchema,
  osReleaseSchema,
  portSchema,
  sha256HexSchema,
  unixNameSchema,
} from '../dsl/fields.ts';

// A manifest is read back from the store and arrives in pulled releases, signed by someone who may have been
// compromised: every field is held to the same patterns as the recipe it came from (dsl/fields.ts), because its
// values become folder names, script lines, ssh arguments and seed files.

const sizeBytes = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 53 - 1);

/** One input of a build and how it is pinned: a local file by content, a download by URL and checksum. */
export const templateInputSchema = z.strictObject({
  name: lineSchema,
  sha256: sha256HexSchema.optional(),
  url: lineSchema.optional(),
  checksum: lineSchema.optional(),
  /** The published sums file `checksum` was read from when the build was planned. */
  checksumFile: lineSchema.optional(),
});

/** `manifest.json` beside each template's disk. `format` changes only when a field changes meaning. */
export const templateManifestSchema = z.strictObject({
  format: z.literal(1),
  recipe: nameSchema,
  /** The full cache key (sha256 hex); the directory name carries its first 12 digits. */
  key: sha256HexSchema,
  /** The parent template's key; null for a recipe installed from an ISO. */
  parentKey: sha256HexSchema.nullable(),
  arch: z.enum(ARCHES),
  os: z.strictObject({ family: z.enum(['alpine', 'debian']), release: osReleaseSchema }),
  inputs: z.array(templateInputSchema).max(10_000),
  disk: z.strictObject({
    file: z.literal('disk.qcow2'),
    virtualSize: sizeBytes,
    actualSize: sizeBytes,
    compressed: z.boolean(),
  }),
  builtAt: z.iso.datetime(),
  buildMs: z.number().nonnegative(),
  versions: z.strictObject({ qemu: lineSchema, tnbuild: lineSchema }),
  /** What the guest's package manager listed just before sealing. */
  packages: z.array(lineSchema).max(100_000),
  /** The user clones are logged into (`vm.user`); their key reaches it through the clone's seed. */
  sshUser: unixNameSchema,
  vm: z.strictObject({
    name: nameSchema,
    /** Commands for the clone's first boot: a script in the guest, so any text but NUL. */
    firstBoot: z.array(z.string().regex(/^[^\0]*$/, 'expected no NUL characters')).max(1000),
  }),
  ports: z.array(portSchema).max(1000),
  network: z
    .strictObject({
      address: ipv6Schema,
      prefix: z.number().int().min(1).max(128),
      interface: interfaceSchema,
    })
    .optional(),
  machine: z.strictObject({
    cpus: z.number().int().min(1).max(1024),
    memoryBytes: z
      .number()
      .int()
      .positive()
      .max(2 ** 53 - 1),
  }),
  /** Where a pulled template came from; absent for one built here. */
  origin: z
    .strictObject({
      /** The release folder, its URL, or `registry/repository@sha256:…`. */
      pulledFrom: lineSchema,
      release: lineSchema,
      /** The fingerprint of the trusted key that signed it. */
      signer: lineSchema,
    })
    .optional(),
});

export type TemplateManifest = z.infer<typeof templateManifestSchema>;
export type TemplateInput = z.infer<typeof templateInputSchema>;
