import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli, whenBooted } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';

// aarch64 end to end under TCG on this x86_64 host, through the CLI: the virt machine with UEFI (a CODE/VARS pflash
// pair per VM), the installer's GRUB EFI menu on the firmware's serial console, an install that leaves an EFI system
// partition, a base template, a child layer on a linked clone, a clone in ~/vms with its own identity behind the
// pinned host key. (Still to prove here: the graceful stop, the ping to an x86_64 clone, a release pulled back.)
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-aarch64-'));
const env = isolatedEnv(work, {
  TNBUILD_E2E_GUEST_ARM64: inject('guestArm64Dir'),
  TNBUILD_E2E_GUEST: inject('guestFixture').dir,
});
const recipes = join(REPO, 'test/e2e/recipes');
const recipeFlags = ['--recipes', recipes, '--arch', 'aarch64'];
const flags = [...recipeFlags, '--output', join(work, 'output')];
const tnbuild = (args: string[]) => runCli(args, env, flags);

// Each test builds on the one before; after a failure the rest fail at once instead of waiting for minutes.
let failed: string | undefined;
function step(name: string, body: () => Promise<void>) {
  it(name, async () => {
    if (failed) throw new Error(`skipped: an earlier step failed (${failed})`);
    try {
      await body();
    } catch (error) {
      failed = name;
      throw error;
    }
  });
}

function serialLogs(recipe: string): string {
  return readdirSync(join(work, 'output/logs'), { recursive: true })
    .map(String)
    .filter((name) => name.includes(recipe) && name.endsWith('serial.log'))
    .map((name) => readFileSync(join(work, 'output/logs', name), 'latin1'))
    .join('\n');
}

describe('aarch64 under TCG: install, layer, clone', () => {
  afterAll(async () => {
    await tnbuild(['vm', 'destroy', 'layer-arm64', '--force']);
    rmSync(work, { recursive: true, force: true });
  });

  step('doctor --arch aarch64 reports the aarch64 emulator and UEFI firmware', async () => {
    mkdirSync(env.HOME!, { recursive: true });
    const doctor = await runCli(['doctor', '--arch', 'aarch64'], env, []);
    expect(doctor.out).toMatch(/qemu-system-aarch64/);
    expect(doctor.out).toMatch(/AAVMF|QEMU_EFI|edk2/);
    expect(doctor.out).not.toMatch(/qemu-system-x86_64/);
  });

  step(
    'installs the aarch64 guest from its GRUB EFI medium and builds a layer on a linked clone of it',
    async () => {
      const built = await tnbuild(['recipe', 'layer-arm64']);
      expect(built.exitCode, built.out).toBe(0);
      expect(built.out).toMatch(/guest-arm64: checks done/);
      expect(built.out).toMatch(/layer-arm64: checks done/);
      const templates = readdirSync(join(work, 'output/templates')).filter((name) => !name.startsWith('.'));
      expect(templates.sort()).toEqual([
        expect.stringMatching(/^guest-arm64-aarch64-/),
        expect.stringMatching(/^layer-arm64-aarch64-/),
      ]);
      const manifest = JSON.parse(
        readFileSync(
          join(
            work,
            'output/templates',
            templates.find((name) => name.startsWith('layer'))!,
            'manifest.json',
          ),
          'utf8',
        ),
      );
      expect(manifest.arch).toBe('aarch64');
      expect(manifest.parentKey).toMatch(/^[0-9a-f]{64}$/);

      const log = serialLogs('guest-arm64');
      // UEFI booted the medium's GRUB, whose edited entry started the arm64 kernel on the PL011 console; the install
      // powered off, and the firmware then booted the disk's EFI system partition. (arm64 prints only "Kernel
      // command line:"; x86 also an early "Command line:".)
      expect(log).toMatch(
        /Kernel command line: BOOT_IMAGE=\/live\/vmlinuz console=ttyAMA0 onfail=poweroff answers=http:/,
      );
      expect(log).toContain('tnb-install: writing the EFI system partition');
      expect(log).toContain('tnb-install: done');
      expect(log).toMatch(/Machine model: linux,dummy-virt|ACPI: SPCR: console: pl011/);
      expect(log).toMatch(/guest-arm64 login:/);
    },
  );

  step('a clone in ~/vms boots with its own identity and answers SSH with the pinned host key', async () => {
    const created = await tnbuild(['vm', 'create', 'layer-arm64']);
    expect(created.exitCode, created.out).toBe(0);
    expect(created.out).toMatch(/created layer-arm64 \(linked clone of layer-arm64-aarch64-/);
    const started = await tnbuild(['vm', 'start', 'layer-arm64']);
    expect(started.exitCode, started.out).toBe(0);
    const ssh = await whenBooted(() =>
      tnbuild([
        'vm',
        'ssh',
        'layer-arm64',
        '--',
        'sh',
        '-c',
        'hostname; id -un; uname -m; cat /etc/tnb-e2e-layer; cat /etc/machine-id; ip -6 -o addr show scope global',
      ]),
    );
    expect(ssh.exitCode, ssh.out).toBe(0);
    const lines = ssh.out.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'layer-arm64',
        'aarch64',
        'layer-arm64',
        expect.stringMatching(/^[0-9a-f]{32}$/),
      ]),
    );
    // A machine-id of its own (the sealed image has an empty one) and its ULA on the segment.
    expect(ssh.out).toContain('fd10:1234::1/64');
  });
});
