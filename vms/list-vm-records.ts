import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readVmRecord, type VmRecord } from './vm-record.ts';

/** Every VM directory under the root that has a readable vm.json (dot-entries are tnbuild's own). */
export async function listVmRecords(vmsRoot: string): Promise<VmRecord[]> {
  const entries = await readdir(vmsRoot, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const records: VmRecord[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const record = await readVmRecord(join(vmsRoot, entry.name)).catch(() => undefined);
    if (record) records.push(record);
  }
  return records.sort((a, b) => a.name.localeCompare(b.name));
}

/** Names of the VMs made from the template with this key. */
export async function findTemplateUsers(vmsRoot: string, key: string): Promise<string[]> {
  return (await listVmRecords(vmsRoot))
    .filter((record) => record.template.key === key)
    .map((record) => record.name);
}
