import { TnbuildError } from '../errors/index.ts';
import { listVmRecords } from './list-vm-records.ts';
import { type VmPaths, vmPaths } from './vm-paths.ts';
import { readRunningPid } from './vm-process.ts';
import { readVmRecord, type VmRecord } from './vm-record.ts';
import { resolveVmsRoot } from './vms-root.ts';

export interface VmStatus {
  readonly name: string;
  readonly state: 'running' | 'stopped';
  readonly pid?: number;
  /** Host side on 127.0.0.1. */
  readonly ports: VmRecord['ports'];
  /** `fd10:1234::1/64`, or undefined without one. */
  readonly ula?: string;
  readonly mac: string;
  readonly hostKeyFingerprint: string;
  readonly templateKey: string;
  readonly dir: string;
}

/** The VM's record and paths; TNB503 when there is no such VM. */
export async function loadVm(
  name: string,
  vmsRoot = resolveVmsRoot(),
): Promise<{ record: VmRecord; paths: VmPaths }> {
  const paths = vmPaths(vmsRoot, name);
  try {
    return { record: await readVmRecord(paths.dir), paths };
  } catch (error) {
    if (error instanceof TnbuildError && error.code === 'TNB503' && error.message.startsWith('no VM')) {
      throw new TnbuildError('TNB503', `there is no VM named ${name} in ${vmsRoot}`);
    }
    throw error;
  }
}

function statusOf(record: VmRecord, paths: VmPaths, pid: number | undefined): VmStatus {
  return {
    name: record.name,
    state: pid === undefined ? 'stopped' : 'running',
    ...(pid !== undefined && { pid }),
    ports: record.ports,
    ...(record.network.address !== null && {
      ula: `${record.network.address}/${record.network.prefix ?? 64}`,
    }),
    mac: record.network.mac,
    hostKeyFingerprint: record.hostKey.fingerprint,
    templateKey: record.template.key,
    dir: paths.dir,
  };
}

/** Running or stopped (a pid file whose process is gone, or is not this VM's QEMU, counts as stopped). */
export async function vmStatus(name: string, options: { readonly vmsRoot?: string } = {}): Promise<VmStatus> {
  const { record, paths } = await loadVm(name, options.vmsRoot);
  return statusOf(record, paths, await readRunningPid(paths));
}

export async function listVms(options: { readonly vmsRoot?: string } = {}): Promise<VmStatus[]> {
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const statuses: VmStatus[] = [];
  for (const record of await listVmRecords(vmsRoot)) {
    const paths = vmPaths(vmsRoot, record.name);
    statuses.push(statusOf(record, paths, await readRunningPid(paths)));
  }
  return statuses;
}
