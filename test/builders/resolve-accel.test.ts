import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccelProbe } from '../../builders/accel-probe.ts';
import { execaAccelProbe } from '../../builders/execa-accel-probe.ts';
import {
  buildProbeArgs,
  clearAccelCache,
  type ResolveAccelOptions,
  resolveAccel,
} from '../../builders/resolve-accel.ts';
import type { Logger } from '../../host/command-runner.ts';

function fakeProbe(ok: boolean): AccelProbe & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    probe: async (_binary, args) => {
      calls.push([...args]);
      return ok
        ? { ok, elapsedMs: 42 }
        : { ok, elapsedMs: 10_000, reason: 'no firmware output within 10000 ms' };
    },
  };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (message) => warnings.push(message) };
}

const base: ResolveAccelOptions = {
  arch: 'x86_64',
  choice: 'auto',
  qemuSystem: 'qemu-system-x86_64',
  firmware: { type: 'bios' },
  platform: 'linux',
  hostArch: 'x86_64',
  kvmDevice: '/dev/null',
};

describe('resolveAccel', () => {
  beforeEach(() => clearAccelCache());

  it('auto on Linux proves KVM by booting firmware, and uses it when the guest spoke', async () => {
    const probe = fakeProbe(true);
    await expect(resolveAccel({ ...base, probe })).resolves.toEqual({ accel: 'kvm', probeMs: 42 });
    expect(probe.calls[0]).toEqual(buildProbeArgs('x86_64', 'kvm', { type: 'bios' }));
    expect(probe.calls[0]).toEqual(
      expect.arrayContaining(['-accel', 'kvm', '-cpu', 'host', '-serial', 'stdio']),
    );
  });

  it('auto falls back to TCG with one warning when KVM is present but cannot run a guest; cached per process', async () => {
    const probe = fakeProbe(false);
    const logger = recordingLogger();
    const first = await resolveAccel({ ...base, probe, logger });
    const second = await resolveAccel({ ...base, probe, logger });
    expect(first).toEqual({
      accel: 'tcg',
      fallbackReason: 'kvm could not run a guest: no firmware output within 10000 ms',
    });
    expect(second).toBe(first);
    expect(probe.calls).toHaveLength(1);
    expect(logger.warnings).toEqual([
      'kvm could not run a guest: no firmware output within 10000 ms; using TCG (slower emulation)',
    ]);
  });

  it('auto without a usable /dev/kvm or for another arch skips the probe', async () => {
    const probe = fakeProbe(true);
    const noDevice = await resolveAccel({
      ...base,
      probe,
      kvmDevice: '/nonexistent/kvm',
      logger: recordingLogger(),
    });
    expect(noDevice.accel).toBe('tcg');
    expect(noDevice.fallbackReason).toContain('/nonexistent/kvm is missing');
    const crossArch = await resolveAccel({
      ...base,
      probe,
      arch: 'aarch64',
      firmware: { type: 'uefi', code: '/fw.fd' },
    });
    expect(crossArch.fallbackReason).toBe('an aarch64 guest cannot use kvm on an x86_64 host');
    expect(probe.calls).toHaveLength(0);
  });

  it('auto on macOS proves HVF', async () => {
    const probe = fakeProbe(true);
    const result = await resolveAccel({
      ...base,
      probe,
      platform: 'darwin',
      arch: 'aarch64',
      hostArch: 'aarch64',
      firmware: { type: 'uefi', code: '/fw.fd' },
    });
    expect(result.accel).toBe('hvf');
    expect(probe.calls[0]).toEqual(
      expect.arrayContaining(['-machine', 'virt', '-accel', 'hvf', '-bios', '/fw.fd']),
    );
  });

  it('tcg forced never probes', async () => {
    const probe = fakeProbe(false);
    await expect(resolveAccel({ ...base, choice: 'tcg', probe })).resolves.toEqual({ accel: 'tcg' });
    expect(probe.calls).toHaveLength(0);
  });

  it('a forced accelerator that cannot run is a clear TNB305', async () => {
    await expect(resolveAccel({ ...base, choice: 'kvm', probe: fakeProbe(false) })).rejects.toMatchObject({
      code: 'TNB305',
      message:
        '--accel kvm was asked for but is unusable: kvm could not run a guest: no firmware output within 10000 ms',
    });
    await expect(resolveAccel({ ...base, choice: 'hvf', probe: fakeProbe(true) })).rejects.toMatchObject({
      code: 'TNB305',
      message: '--accel hvf was asked for but is unusable: HVF needs macOS (this host is linux)',
    });
  });
});

describe('the real accelerator probe on this host', () => {
  beforeEach(() => clearAccelCache());

  it('TCG firmware boots print on the serial console within seconds (x86_64 SeaBIOS, aarch64 EDK2)', async () => {
    const x86 = await execaAccelProbe.probe(
      'qemu-system-x86_64',
      buildProbeArgs('x86_64', 'tcg', { type: 'bios' }),
      10_000,
    );
    expect(x86.ok).toBe(true);
    const arm = await execaAccelProbe.probe(
      'qemu-system-aarch64',
      buildProbeArgs('aarch64', 'tcg', { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' }),
      10_000,
    );
    expect(arm.ok).toBe(true);
    console.info(`probe under TCG: x86_64 ${x86.elapsedMs} ms, aarch64 ${arm.elapsedMs} ms`);
  });

  it('auto proves KVM for real: where /dev/kvm exists but cannot run a guest (this machine) it falls back to TCG', async () => {
    const logger = recordingLogger();
    const started = Date.now();
    const result = await resolveAccel({
      arch: 'x86_64',
      choice: 'auto',
      qemuSystem: 'qemu-system-x86_64',
      firmware: { type: 'bios' },
      logger,
      probeTimeoutMs: 5000,
    });
    console.info(
      `accel auto → ${result.accel} in ${Date.now() - started} ms (${result.fallbackReason ?? 'proven'})`,
    );
    if (result.accel === 'kvm') {
      expect(result.probeMs).toBeGreaterThan(0);
    } else {
      expect(result.accel).toBe('tcg');
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(/using TCG/);
    }
  });

  it('a probe of a missing binary reports why', async () => {
    const spy = vi.fn();
    const result = await execaAccelProbe.probe('qemu-system-does-not-exist', [], 2000);
    spy(result);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/QEMU exited/);
  });
});
