import type { Accel, Arch, MachineSpec } from './machine-spec.ts';

/** `qemu-system-<arch>` for a guest arch. */
export function qemuBinaryFor(arch: Arch): string {
  return `qemu-system-${arch}`;
}

/**
 * The CPU model: the host's under a hypervisor. Under TCG, `max` for aarch64 (the brief's choice; virt needs a v8
 * CPU); for x86_64 QEMU's default `qemu64`, as in the measured 47 s install; one run each on a loaded 2-core host
 * installed the test guest in 54 s with it and 71 s with `max`.
 */
export function cpuModelFor(arch: Arch, accel: Accel): string {
  if (accel !== 'tcg') return 'host';
  return arch === 'x86_64' ? 'qemu64' : 'max';
}

/** QEMU's `,`-separated option values escape a literal comma by doubling it. */
function escapeOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

function machineArgs(spec: MachineSpec): string[] {
  const machine = spec.arch === 'aarch64' ? 'virt' : 'q35';
  // Not graphics=off: SeaBIOS would then mirror isolinux's screen output onto the serial line, doubling every echo.
  return ['-machine', machine, '-accel', spec.accel, '-cpu', cpuModelFor(spec.arch, spec.accel)];
}

function firmwareArgs(spec: MachineSpec): string[] {
  const firmware = spec.firmware;
  if (firmware.type === 'bios') return [];
  if (firmware.vars === undefined) return ['-bios', firmware.code];
  return [
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${escapeOptionValue(firmware.code)}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${escapeOptionValue(firmware.vars)}`,
  ];
}

function diskArgs(spec: MachineSpec): string[] {
  const cache = spec.diskCache ?? 'writeback';
  const disk = `file=${escapeOptionValue(spec.disk)},if=none,id=disk0,format=qcow2,cache=${cache},discard=unmap`;
  if (spec.arch === 'x86_64') {
    // SeaBIOS: no bootindex, so `-boot once=d` boots the CD first and the disk after the guest reboots.
    const args = ['-drive', disk, '-device', 'virtio-blk-pci,drive=disk0'];
    if (spec.cdrom === undefined) return args;
    return [
      ...args,
      '-drive',
      `file=${escapeOptionValue(spec.cdrom)},if=ide,index=0,media=cdrom,readonly=on`,
      '-boot',
      'once=d',
    ];
  }
  // UEFI on virt: explicit boot order; virt has no IDE, so the CD sits on virtio-scsi.
  const args = ['-drive', disk, '-device', 'virtio-blk-pci,drive=disk0,bootindex=1'];
  if (spec.cdrom === undefined) return args;
  return [
    ...args,
    '-drive',
    `file=${escapeOptionValue(spec.cdrom)},if=none,id=cd0,media=cdrom,readonly=on`,
    '-device',
    'virtio-scsi-pci,id=scsi0',
    '-device',
    'scsi-cd,drive=cd0,bus=scsi0.0,bootindex=0',
  ];
}

function extraDriveArgs(spec: MachineSpec): string[] {
  return (spec.extraDrives ?? []).flatMap((drive, index) => [
    '-drive',
    `file=${escapeOptionValue(drive.file)},if=none,id=drive${index + 1},format=${drive.format}${drive.readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-blk-pci,drive=drive${index + 1}`,
  ]);
}

function kernelArgs(spec: MachineSpec): string[] {
  const boot = spec.kernelBoot;
  if (boot === undefined) return [];
  const args = ['-kernel', boot.kernel];
  if (boot.initrd !== undefined) args.push('-initrd', boot.initrd);
  if (boot.append !== undefined) args.push('-append', boot.append);
  return args;
}

function networkArgs(spec: MachineSpec): string[] {
  const forwards = spec.ports.map((port) => `,hostfwd=tcp:127.0.0.1:${port.host}-:${port.guest}`).join('');
  const args = ['-netdev', `user,id=net0${forwards}`, '-device', 'virtio-net-pci,netdev=net0'];
  (spec.extraNetdevs ?? []).forEach((netdev, index) => {
    const id = `net${index + 1}`;
    // localaddr=127.0.0.1: without it the multicast packets went nowhere on the measured hosts.
    args.push('-netdev', `socket,id=${id},mcast=${netdev.mcast},localaddr=127.0.0.1`);
    args.push('-device', `virtio-net-pci,netdev=${id},mac=${netdev.mac}`);
  });
  return args;
}

function consoleArgs(spec: MachineSpec): string[] {
  // wait=on: QEMU starts the guest only once the builder is connected, so no prompt is missed; the builder writes the
  // serial log from what it receives (QEMU's logfile doubles characters when its reader falls behind). A background
  // VM has no reader: QEMU keeps its log.
  const socket =
    spec.serialWait === false
      ? `wait=off,logfile=${escapeOptionValue(spec.serialLog)},logappend=on`
      : 'wait=on';
  return [
    '-chardev',
    `socket,id=serial0,path=${escapeOptionValue(spec.serialSocket)},server=on,${socket}`,
    '-serial',
    'chardev:serial0',
    '-chardev',
    `socket,id=qmp0,path=${escapeOptionValue(spec.qmpSocket)},server=on,wait=off`,
    '-mon',
    'chardev=qmp0,mode=control',
  ];
}

/** The whole QEMU argv (without the binary) for a machine: headless, no defaults, every device explicit. */
export function buildQemuArgs(spec: MachineSpec): string[] {
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...machineArgs(spec),
    '-smp',
    String(spec.cpus),
    '-m',
    `${spec.memoryMiB}M`,
    ...firmwareArgs(spec),
    ...diskArgs(spec),
    ...extraDriveArgs(spec),
    ...kernelArgs(spec),
    ...networkArgs(spec),
    ...consoleArgs(spec),
    '-device',
    'virtio-rng-pci',
    ...(spec.noReboot ? ['-no-reboot'] : []),
    ...(spec.extraArgs ?? []),
  ];
}
