import { describe, expect, it } from 'vitest';
import { buildQemuArgs } from '../../builders/build-qemu-args.ts';
import type { MachineSpec } from '../../builders/machine-spec.ts';

const x86: MachineSpec = {
  arch: 'x86_64',
  cpus: 2,
  memoryMiB: 1536,
  disk: '/build/disk.qcow2',
  cdrom: '/cache/installer.iso',
  firmware: { type: 'bios' },
  accel: 'tcg',
  ports: [
    { name: 'ssh', host: 2222, guest: 22 },
    { name: 'rpc', host: 26657, guest: 26657 },
  ],
  extraNetdevs: [{ mcast: '230.0.0.1:1234', mac: '52:54:00:12:34:01' }],
  serialSocket: '/build/serial.sock',
  serialLog: '/logs/serial.log',
  qmpSocket: '/build/qmp.sock',
};

const aarch64: MachineSpec = {
  ...x86,
  arch: 'aarch64',
  firmware: { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' },
  extraNetdevs: [],
};

describe('buildQemuArgs', () => {
  it('x86_64: q35, CD once then disk, virtio, user net on 127.0.0.1, serial socket + log, QMP', () => {
    expect(buildQemuArgs(x86)).toMatchSnapshot();
  });

  it('aarch64: virt + UEFI firmware + -cpu max under TCG, CD on virtio-scsi with a boot order', () => {
    expect(buildQemuArgs(aarch64)).toMatchSnapshot();
  });

  it('aarch64 with a CODE/VARS pflash pair and KVM uses -cpu host', () => {
    const args = buildQemuArgs({
      ...aarch64,
      accel: 'kvm',
      firmware: { type: 'uefi', code: '/fw/AAVMF_CODE.fd', vars: '/build/efivars.fd' },
    });
    expect(args).toContain('if=pflash,format=raw,unit=0,readonly=on,file=/fw/AAVMF_CODE.fd');
    expect(args).toContain('if=pflash,format=raw,unit=1,file=/build/efivars.fd');
    expect(args.slice(args.indexOf('-cpu'), args.indexOf('-cpu') + 2)).toEqual(['-cpu', 'host']);
    expect(args).not.toContain('-bios');
  });

  it('without a CD there is no boot-once and no CD device; -kernel/-initrd/-append pass through as single args', () => {
    const { cdrom: _cdrom, ...fromDisk } = x86;
    const args = buildQemuArgs({
      ...fromDisk,
      kernelBoot: {
        kernel: '/k/vmlinuz',
        initrd: '/k/initramfs',
        append: 'console=ttyS0 ip=dhcp ssh_key=http://10.0.2.2:8080/key',
      },
      noReboot: true,
    });
    expect(args).not.toContain('-boot');
    expect(args.join(' ')).not.toContain('media=cdrom');
    expect(args).toContain('console=ttyS0 ip=dhcp ssh_key=http://10.0.2.2:8080/key');
    expect(args.at(-1)).toBe('-no-reboot');
  });

  it('a background VM: safe disk caching by default, serial socket that does not wait, extra read-only drives', () => {
    const { cdrom: _cdrom, ...vm } = x86;
    const args = buildQemuArgs({
      ...vm,
      serialWait: false,
      extraDrives: [{ file: '/vms/a/seed.img', format: 'raw', readonly: true }],
    });
    expect(args).toContain(
      'file=/build/disk.qcow2,if=none,id=disk0,format=qcow2,cache=writeback,discard=unmap',
    );
    expect(args).toContain('file=/vms/a/seed.img,if=none,id=drive1,format=raw,readonly=on');
    expect(args).toContain('virtio-blk-pci,drive=drive1');
    // Nobody reads a background VM's console: QEMU keeps its serial log.
    expect(args.find((arg) => arg.startsWith('socket,id=serial0,'))).toBe(
      'socket,id=serial0,path=/build/serial.sock,server=on,wait=off,logfile=/logs/serial.log,logappend=on',
    );
  });

  it('never lets a path with a comma inject QEMU options', () => {
    const args = buildQemuArgs({ ...x86, disk: '/tmp/a,format=raw/disk.qcow2' });
    expect(args).toContain(
      'file=/tmp/a,,format=raw/disk.qcow2,if=none,id=disk0,format=qcow2,cache=writeback,discard=unmap',
    );
  });

  it('x86_64 under TCG uses -cpu qemu64; under KVM the host CPU', () => {
    expect(buildQemuArgs(x86)).toContain('qemu64');
    expect(buildQemuArgs({ ...x86, accel: 'kvm' })).toContain('host');
  });
});
