import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccelProbe } from '../../builders/accel-probe.ts';
import { execaAccelProbe } from '../../builders/execa-accel-probe.ts';
import {
  buildProbeArgs,
  clearAccelCache,
  probeProof,
  type ResolveAccelOptions,
  resolveAccel,
} from '../../builders/resolve-accel.ts';
import { X86_PROBE_PROOF, x86ProbeFirmware } from '../../builders/x86-probe-firmware.ts';
import type { Logger } from '../../host/command-runner.ts';

function fakeProbe(ok: boolean): AccelProbe & { calls: string[][]; images: Buffer[]; proofs: RegExp[] } {
  const calls: string[][] = [];
  const images: Buffer[] = [];
  const proofs: RegExp[] = [];
  return {
    calls,
    images,
    proofs,
    probe: async (_binary, args, _timeoutMs, proof) => {
      calls.push([...args]);
      proofs.push(proof);
      const bios = args[args.indexOf('-bios') + 1];
      if (bios?.endsWith('probe.bin')) images.push(await readFile(bios));
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

  it('auto on Linux proves KVM by booting the long-mode probe image, and uses it when the guest got there', async () => {
    const probe = fakeProbe(true);
    await expect(resolveAccel({ ...base, probe })).resolves.toEqual({ accel: 'kvm', probeMs: 42 });
    const image = probe.calls[0]![probe.calls[0]!.indexOf('-bios') + 1]!;
    expect(probe.calls[0]).toEqual(buildProbeArgs('x86_64', 'kvm', { type: 'bios' }, image));
    expect(probe.calls[0]).toEqual(
      expect.arrayContaining(['-accel', 'kvm', '-cpu', 'host', '-serial', 'stdio', '-bios', image]),
    );
    expect(probe.images).toEqual([x86ProbeFirmware()]);
    expect(probe.proofs[0]!.test(`RP${X86_PROBE_PROOF}`)).toBe(true);
    // SeaBIOS's banner proves nothing: firmware can run where a kernel cannot.
    expect(probe.proofs[0]!.test('SeaBIOS (version 1.16.2-debian-1.16.2-1)')).toBe(false);
    // The image lives only for the probe.
    expect(existsSync(image)).toBe(false);
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

  async function withProbeImage<T>(run: (image: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'tnbuild-probe-test-'));
    try {
      const image = join(dir, 'probe.bin');
      await writeFile(image, x86ProbeFirmware());
      return await run(image);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('under TCG the probe guests prove themselves within seconds (x86_64: long mode reached; aarch64: EDK2)', async () => {
    const x86 = await withProbeImage((image) =>
      execaAccelProbe.probe(
        'qemu-system-x86_64',
        buildProbeArgs('x86_64', 'tcg', { type: 'bios' }, image),
        10_000,
        probeProof('x86_64'),
      ),
    );
    expect(x86).toMatchObject({ ok: true });
    const arm = await execaAccelProbe.probe(
      'qemu-system-aarch64',
      buildProbeArgs('aarch64', 'tcg', { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' }, ''),
      10_000,
      probeProof('aarch64'),
    );
    expect(arm).toMatchObject({ ok: true });
    console.info(`probe under TCG: x86_64 ${x86.elapsedMs} ms, aarch64 ${arm.elapsedMs} ms`);
  });

  it('x86_64: a CPU that cannot enter long mode fails the probe, and the reason says how far the guest got', async () => {
    // qemu32 has no long mode: the image reaches protected mode (`R`, `P`) and faults at the jump to 64-bit code,
    // as a hypervisor that cannot run a kernel stops it. SeaBIOS would have printed its banner all the same.
    const result = await withProbeImage((image) => {
      const args = buildProbeArgs('x86_64', 'tcg', { type: 'bios' }, image);
      args[args.indexOf('-cpu') + 1] = 'qemu32';
      return execaAccelProbe.probe('qemu-system-x86_64', args, 5000, probeProof('x86_64'));
    });
    expect(result.ok).toBe(false);
    expect(result.reason).toContain('its console showed "RP"');
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
    const result = await execaAccelProbe.probe('qemu-system-does-not-exist', [], 2000, /never/);
    spy(result);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/QEMU exited/);
  });
});
