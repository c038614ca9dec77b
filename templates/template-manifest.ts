import { z } from 'zod';

const portSchema = z.object({ name: z.string(), guest: z.number().int(), host: z.number().int() });

/** One input of a build and how it is pinned: a local file by content, a download by URL and checksum. */
export const templateInputSchema = z.object({
  name: z.string(),
  sha256: z.string().optional(),
  url: z.string().optional(),
  checksum: z.string().optional(),
});

/** `manifest.json` beside each template's disk. `format` changes only when a field changes meaning. */
export const templateManifestSchema = z.object({
  format: z.literal(1),
  recipe: z.string(),
  /** The full cache key (sha256 hex); the directory name carries its first 12 digits. */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  /** The parent template's key; null for a recipe installed from an ISO. */
  parentKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  arch: z.enum(['aarch64', 'x86_64']),
  os: z.object({ family: z.enum(['alpine', 'debian']), release: z.string() }),
  inputs: z.array(templateInputSchema),
  disk: z.object({
    file: z.literal('disk.qcow2'),
    virtualSize: z.number().int().nonnegative(),
    actualSize: z.number().int().nonnegative(),
    compressed: z.boolean(),
  }),
  builtAt: z.string(),
  buildMs: z.number().nonnegative(),
  versions: z.object({ qemu: z.string(), tnbuild: z.string() }),
  /** What the guest's package manager listed just before sealing. */
  packages: z.array(z.string()),
  /** The user clones are logged into (`vm.user`); their key reaches it through the clone's seed. */
  sshUser: z.string(),
  vm: z.object({ name: z.string(), firstBoot: z.array(z.string()) }),
  ports: z.array(portSchema),
  network: z.object({ address: z.string(), prefix: z.number().int(), interface: z.string() }).optional(),
  machine: z.object({ cpus: z.number().int().positive(), memoryBytes: z.number().int().positive() }),
});

export type TemplateManifest = z.infer<typeof templateManifestSchema>;
export type TemplateInput = z.infer<typeof templateInputSchema>;
