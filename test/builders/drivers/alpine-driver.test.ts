import { describe, expect, it } from 'vitest';
import { buildQemuArgs } from '../../../builders/build-qemu-args.ts';
import { describeConsoleSteps } from '../../../builders/console-steps.ts';
import { alpineDriver } from '../../../builders/drivers/alpine-driver.ts';
import type { Arch, Firmware } from '../../../builders/machine-spec.ts';
import { planDiskMachine, planInstallMachine } from '../../../builders/plan-machine.ts';
import { installContext } from '../helpers/install-context.ts';

const context = installContext;

const firmware: Record<Arch, Firmware> = {
  x86_64: { type: 'bios' },
  aarch64: { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' },
};

describe.each(['x86_64', 'aarch64'] as const)('alpine driver on %s', (arch) => {
  it('answer file, typed lines and QEMU argv', async () => {
    const plan = await alpineDriver({ hostname: 'tn-base' }).plan(context(arch));
    const answer = plan.files['/answers'];
    expect(answer !== undefined && 'content' in answer ? String(answer.content) : '').toMatchSnapshot(
      'answer file',
    );
    expect({
      boot: describeConsoleSteps(plan.bootSteps),
      install: describeConsoleSteps(plan.installSteps),
      reboot: describeConsoleSteps(plan.rebootSteps ?? []),
    }).toMatchSnapshot('console steps');
    const install = planInstallMachine(
      {
        arch,
        accel: 'tcg',
        firmware: firmware[arch],
        cpus: 2,
        memoryMiB: 2048,
        iso: `/cache/alpine-virt-3.22.2-${arch}.iso`,
        disk: '/build/disk.qcow2',
        scratchDir: '/build',
        serialLog: '/logs/serial.log',
        ports: [{ name: 'ssh', host: 2222, guest: 22 }],
      },
      plan,
    );
    expect(buildQemuArgs(install)).toMatchSnapshot('qemu argv (installer)');
    if (plan.afterInstall === 'restart-from-disk')
      expect(buildQemuArgs(planDiskMachine(install))).toMatchSnapshot('qemu argv (from disk)');
  });
});

describe('alpine driver specifics', () => {
  it('x86_64 types a serial console onto the isolinux line and reboots in place; aarch64 powers off and restarts from disk', async () => {
    const x86 = await alpineDriver().plan(context('x86_64'));
    expect(x86.bootSteps[1]).toEqual({ send: 'virt console=ttyS0,115200', perCharDelayMs: 20 });
    expect(x86.afterInstall).toBe('reboot-in-place');
    expect(x86.installSteps.at(-1)).toEqual({ send: 'reboot\n' });
    const arm = await alpineDriver().plan(context('aarch64'));
    expect(arm.bootSteps[0]).toMatchObject({ expect: /login: $/m });
    expect(arm.afterInstall).toBe('restart-from-disk');
    expect(arm.installSteps.at(-1)).toEqual({ send: 'poweroff\n' });
  });

  it('is a preset: a recipe’s failure markers and QEMU arguments join the preset’s own', async () => {
    const plan = await alpineDriver({
      failOn: ['apk: disk full', /panic/],
      qemuArgs: ['-device', 'virtio-tablet-pci'],
    }).plan(context('x86_64'));
    const install = plan.installSteps[0] as unknown as { failOn: RegExp[] };
    expect(install.failOn.map(String)).toEqual([
      ...[
        /ERROR: unable to select packages/,
        /No space left on device/,
        /Please retry\./,
        /setup-disk: .*(failed|error)/i,
      ].map(String),
      '/apk: disk full/',
      '/panic/',
    ]);
    expect(plan.qemuArgs).toEqual(['-device', 'virtio-tablet-pci']);
  });

  it('quotes the key and names the disk exactly as ERASE_DISKS, with the arch console in KERNELOPTS', async () => {
    const plan = await alpineDriver().plan({ ...context('aarch64'), authorizedKey: "ssh-ed25519 AAAA it's" });
    const answer = plan.files['/answers'];
    const text = answer !== undefined && 'content' in answer ? String(answer.content) : '';
    expect(text).toContain(`ROOTSSHKEY='ssh-ed25519 AAAA it'\\''s'`);
    expect(text).toContain("export ERASE_DISKS='/dev/vda'");
    expect(text).toContain("export KERNELOPTS='console=ttyAMA0,115200'");
    expect(text).toContain("DISKOPTS='-m sys -s 0 /dev/vda'");
  });
});
