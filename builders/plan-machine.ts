import type { InstallPlan } from './drivers/install-driver.ts';
import type { Accel, Arch, Firmware, MachineSpec, McastNetdev, PortForward } from './machine-spec.ts';

export interface PlanMachineInput {
  readonly arch: Arch;
  readonly accel: Accel;
  readonly firmware: Firmware;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly iso?: string;
  readonly disk: string;
  readonly scratchDir: string;
  readonly serialLog: string;
  readonly ports: readonly PortForward[];
  readonly extraNetdevs?: readonly McastNetdev[];
}

/** The installer run: the ISO attached (booted once), the driver's kernel line if any; pure, so tests snapshot it. */
export function planInstallMachine(
  input: PlanMachineInput,
  plan: Pick<InstallPlan, 'kernelBoot' | 'afterInstall' | 'qemuArgs'>,
): MachineSpec {
  return {
    arch: input.arch,
    cpus: input.cpus,
    memoryMiB: input.memoryMiB,
    disk: input.disk,
    ...(input.iso !== undefined && { cdrom: input.iso }),
    ...(plan.kernelBoot === undefined ? {} : { kernelBoot: plan.kernelBoot }),
    firmware: input.firmware,
    accel: input.accel,
    ports: input.ports,
    ...(input.extraNetdevs === undefined ? {} : { extraNetdevs: input.extraNetdevs }),
    serialSocket: `${input.scratchDir}/serial.sock`,
    serialLog: input.serialLog,
    qmpSocket: `${input.scratchDir}/qmp.sock`,
    noReboot: plan.afterInstall === 'restart-from-disk',
    // A build disk is discarded on any failure and flushed by QEMU on a clean exit: speed wins.
    diskCache: 'unsafe',
    ...(plan.qemuArgs?.length ? { extraArgs: plan.qemuArgs } : {}),
  };
}

/** The same machine booting the installed disk alone (after `restart-from-disk`). */
export function planDiskMachine(install: MachineSpec): MachineSpec {
  const { cdrom: _cdrom, kernelBoot: _kernelBoot, ...fromDisk } = install;
  return { ...fromDisk, noReboot: false };
}
