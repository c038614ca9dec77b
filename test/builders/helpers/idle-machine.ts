import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { MachineSpec } from '../../../builders/machine-spec.ts';

/** A tiny x86_64 TCG machine with a blank disk: it sits in the firmware, which is all process tests need. */
export function idleMachine(dir: string): MachineSpec {
  const disk = join(dir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
  return {
    arch: 'x86_64',
    cpus: 1,
    memoryMiB: 64,
    disk,
    firmware: { type: 'bios' },
    accel: 'tcg',
    ports: [],
    serialSocket: join(dir, 'serial.sock'),
    serialLog: join(dir, 'serial.log'),
    qmpSocket: join(dir, 'qmp.sock'),
  };
}
