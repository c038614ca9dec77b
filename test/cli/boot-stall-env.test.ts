import { afterEach, describe, expect, it } from 'vitest';
import { bootStallFromEnv } from '../../cli/boot-stall-env.ts';
import { vm } from '../../cli/vm.ts';
import { vmStatus } from '../../vms/vm-status.ts';
import { createTestVm, newSandbox } from '../vms/helpers.ts';

const saved = { stall: process.env.TNBUILD_BOOT_STALL, vms: process.env.TNBUILD_VMS_DIR };
afterEach(() => {
  for (const [key, value] of [
    ['TNBUILD_BOOT_STALL', saved.stall],
    ['TNBUILD_VMS_DIR', saved.vms],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('TNBUILD_BOOT_STALL', () => {
  it('is whole seconds, as milliseconds; unset or empty is the default', () => {
    expect(bootStallFromEnv(undefined)).toBeUndefined();
    expect(bootStallFromEnv('')).toBeUndefined();
    expect(bootStallFromEnv('15')).toBe(15_000);
    expect(bootStallFromEnv('3600')).toBe(3_600_000);
  });

  it('refuses what is not whole seconds from 1 to 3600, naming the variable, with the value bounded and escaped', () => {
    for (const bad of [
      '0',
      '-5',
      '1e3',
      ' 15',
      '15s',
      '0x10',
      '3601',
      '99999',
      '15\nrm -rf /',
      'x'.repeat(100_000),
    ]) {
      let error: unknown;
      try {
        bootStallFromEnv(bad);
      } catch (caught) {
        error = caught;
      }
      expect(error, bad.slice(0, 20)).toMatchObject({
        code: 'TNB110',
        message: expect.stringMatching(/^TNBUILD_BOOT_STALL=".*" is not a number of seconds$/),
      });
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message.length).toBeLessThan(100);
    }
  });

  it('is read by `vm start --wait` before the VM starts: a bad value starts nothing', async () => {
    const sandbox = await newSandbox('boot-stall-env');
    await createTestVm(sandbox, 'waits');
    process.env.TNBUILD_VMS_DIR = sandbox.vmsRoot;
    process.env.TNBUILD_BOOT_STALL = '3 minutes';
    await expect(
      vm('start', 'waits', {
        recipes: 'recipes',
        output: 'output',
        arch: 'x86_64',
        verbose: false,
        wait: true,
      }),
    ).rejects.toMatchObject({
      code: 'TNB110',
      message: 'TNBUILD_BOOT_STALL="3 minutes" is not a number of seconds',
    });
    expect((await vmStatus('waits', { vmsRoot: sandbox.vmsRoot })).state).toBe('stopped');
  });
});
