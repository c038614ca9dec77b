import { buildQemuArgs } from '../builders/build-qemu-args.ts';
import type { Firmware, MachineSpec } from '../builders/machine-spec.ts';
import type { VmPaths } from './vm-paths.ts';
import type { VmRecord } from './vm-record.ts';

/**
 * The builder's argv for the clone's machine, adapted for a VM that runs in the background: the serial console
 * socket does not wait for a client (QEMU writes the log), the seed rides along as a read-only virtio disk, and
 * QEMU daemonizes with a pid file.
 */
export function buildVmQemuArgs(record: VmRecord, paths: VmPaths, firmware: Firmware): string[] {
  const spec: MachineSpec = {
    arch: record.arch,
    cpus: record.machine.cpus,
    memoryMiB: record.machine.memoryMiB,
    disk: paths.disk,
    firmware,
    accel: record.machine.accel,
    ports: record.ports,
    extraNetdevs: [{ mcast: record.network.mcast, mac: record.network.mac }],
    serialSocket: paths.serialSocket,
    serialLog: paths.serialLog,
    qmpSocket: paths.qmpSocket,
  };
  const args = buildQemuArgs({ ...spec, serialWait: false });
  return [
    '-name',
    `${record.name},process=qemu-${record.name}`,
    ...args,
    '-drive',
    `file=${paths.seed.replaceAll(',', ',,')},if=none,id=seed0,format=raw,readonly=on`,
    '-device',
    'virtio-blk-pci,drive=seed0',
    '-daemonize',
    '-pidfile',
    paths.pidFile,
  ];
}
