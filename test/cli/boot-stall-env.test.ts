import { describe, expect, it } from 'vitest';
import { bootStallFromEnv } from '../../cli/recipe.ts';

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
});
