import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { interfaceSchema, nameSchema, portSchema, unixNameSchema } from '../dsl/fields.ts';
import { TnbuildError } from '../errors/index.ts';

/** `vm.json`: everything tnbuild knows about one clone. Written at create, read by every other command. */
export const vmRecordSchema = z.object({
  format: z.literal(1),
  name: nameSchema,
  hostname: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i),
  createdAt: z.string(),
  template: z.object({
    key: z.string(),
    name: z.string(),
    recipe: z.string(),
    family: z.enum(['alpine', 'debian']),
  }),
  disk: z.object({
    /** `linked`: a qcow2 overlay on `backingFile`; `full`: an independent copy. */
    mode: z.enum(['linked', 'full']),
    backingFile: z.string().nullable(),
  }),
  arch: z.enum(['aarch64', 'x86_64']),
  machine: z.object({
    cpus: z.number().int(),
    memoryMiB: z.number().int(),
    accel: z.enum(['kvm', 'hvf', 'tcg']),
  }),
  /** Host side always 127.0.0.1. */
  ports: z.array(portSchema),
  /** The second NIC, on the shared multicast segment. `address` is set when the clone has a ULA. */
  network: z.object({
    mcast: z.string(),
    mac: z.string(),
    interface: interfaceSchema,
    address: z.string().nullable(),
    prefix: z.number().int().nullable(),
  }),
  user: unixNameSchema,
  hostKey: z.object({ type: z.string(), publicKey: z.string(), fingerprint: z.string() }),
  instanceId: z.string(),
});

export type VmRecord = z.infer<typeof vmRecordSchema>;

export const VM_FILE = 'vm.json';

/** Reads `<dir>/vm.json`; TNB503 when it is missing or damaged. */
export async function readVmRecord(dir: string): Promise<VmRecord> {
  let text: string;
  try {
    text = await readFile(join(dir, VM_FILE), 'utf8');
  } catch (error) {
    throw new TnbuildError('TNB503', `no VM in ${dir} (no ${VM_FILE})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = vmRecordSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new TnbuildError(
      'TNB503',
      `${join(dir, VM_FILE)} is damaged (${first?.path.join('.')}: ${first?.message})`,
      {
        hint: 'Recreate the VM with `tnbuild vm create --force`.',
      },
    );
  }
  return parsed.data;
}

export async function writeVmRecord(dir: string, record: VmRecord): Promise<void> {
  const scratch = join(dir, `.${VM_FILE}.tmp`);
  await writeFile(scratch, `${JSON.stringify(record, null, 2)}\n`);
  await rename(scratch, join(dir, VM_FILE));
}
