import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, inject } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli, whenBooted } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';
import { createSteps } from './helpers/steps.ts';

// aarch64 end to end under TCG on this x86_64 host, through the CLI: the virt machine with UEFI (a CODE/VARS pflash
// pair per VM), the installer's GRUB EFI menu on the firmware's serial console, an install that leaves an EFI system
// partition, a base template, a child layer on a linked clone, a clone in ~/vms with its own identity behind the
// pinned host key, which pings an x86_64 clone over the ULA segment; both stop on the ACPI power button; the
// aarch64 template is released signed and pulled on another machine.
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-aarch64-'));
const env = isolatedEnv(work, {
  TNBUILD_E2E_GUEST_ARM64: inject('guestArm64Dir'),
  TNBUILD_E2E_GUEST: inject('guestFixture').dir,
});
const recipes = join(REPO, 'test/e2e/recipes');
const recipeFlags = ['--recipes', recipes, '--arch', 'aarch64'];
const flags = [...recipeFlags, '--output', join(work, 'output')];
const tnbuild = (args: string[]) => runCli(args, env, flags);
const tnbuildX86 = (args: string[]) =>
  runCli(args, env, ['--recipes', recipes, '--arch', 'x86_64', '--output', join(work, 'output')]);

const step = createSteps();

function serialLogs(recipe: string): string {
  return readdirSync(join(work, 'output/logs'), { recursive: true })
    .map(String)
    .filter((name) => name.includes(recipe) && name.endsWith('serial.log'))
    .map((name) => readFileSync(join(work, 'output/logs', name), 'latin1'))
    .join('\n');
}

describe('aarch64 under TCG: install, layer, clone, peer, stop, release', () => {
  afterAll(async () => {
    await tnbuild(['vm', 'destroy', 'layer-arm64', '--force']);
    await tnbuildX86(['vm', 'destroy', 'peer-x86', '--force']);
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

  step('builds the x86_64 peer: the x86_64 guest and a layer of the same shape', async () => {
    const built = await tnbuildX86(['recipe', 'peer-x86']);
    expect(built.exitCode, built.out).toBe(0);
    expect(built.out).toMatch(/peer-x86: checks done/);
  });

  step(
    'a clone in ~/vms boots with its own identity, answers SSH as its user with the pinned host key, pings the x86_64 clone',
    async () => {
      for (const [cli, name] of [
        [tnbuild, 'layer-arm64'],
        [tnbuildX86, 'peer-x86'],
      ] as const) {
        const created = await cli(['vm', 'create', name]);
        expect(created.exitCode, created.out).toBe(0);
        expect(created.out).toContain(`created ${name} (linked clone of ${name}-`);
        const started = await cli(['vm', 'start', name]);
        expect(started.exitCode, started.out).toBe(0);
      }
      // The UEFI variable store is the clone's own copy, next to its disk; the x86_64 clone boots SeaBIOS.
      expect(existsSync(join(env.TNBUILD_VMS_DIR!, 'layer-arm64/efi-vars.fd'))).toBe(true);
      expect(existsSync(join(env.TNBUILD_VMS_DIR!, 'peer-x86/efi-vars.fd'))).toBe(false);

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
      const [hostname, user, machine, layer, machineId] = ssh.out.trim().split('\n');
      expect([hostname, user, machine, layer]).toEqual(['layer-arm64', 'warden', 'aarch64', 'layer-arm64']);
      // A machine-id of its own (the sealed image has an empty one) and its ULA on the segment.
      expect(machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(ssh.out).toContain('fd10:1234::1/64');

      const peer = await whenBooted(() =>
        tnbuildX86(['vm', 'ssh', 'peer-x86', '--', 'sh', '-c', 'uname -m; ping -6 -c 3 -W 5 fd10:1234::1']),
      );
      expect(peer.exitCode, peer.out).toBe(0);
      expect(peer.out).toMatch(/^x86_64$/m);
      expect(peer.out).toMatch(/3 packets transmitted, 3 received/);
      const back = await tnbuild([
        'vm',
        'ssh',
        'layer-arm64',
        '--',
        'ping',
        '-6',
        '-c',
        '3',
        '-W',
        '5',
        'fd10:1234::2',
      ]);
      expect(back.exitCode, back.out).toBe(0);
      expect(back.out).toMatch(/3 packets transmitted, 3 received/);
    },
  );

  step(
    'both stop gracefully on the ACPI power button: the virt machine’s GED event, the PC’s fixed button',
    async () => {
      for (const [cli, name] of [
        [tnbuild, 'layer-arm64'],
        [tnbuildX86, 'peer-x86'],
      ] as const) {
        const stopped = await cli(['vm', 'stop', name]);
        expect(stopped.exitCode, stopped.out).toBe(0);
        expect(stopped.out).toMatch(new RegExp(`stopped ${name} \\(acpi`));
      }
    },
  );

  step('releases the aarch64 template signed; another machine verifies and imports it', async () => {
    const key = join(work, 'release-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'releases@trustnet', '-f', key]);
    const released = await tnbuild(['release', 'layer-arm64', '--key', key, '--version', '1.0.0']);
    expect(released.exitCode, released.out).toBe(0);
    const folder = join(work, 'output/releases/layer-arm64-1.0.0-aarch64');
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder });
    expect(sums.stdout).toMatch(/layer-arm64-1\.0\.0-aarch64\.qcow2\.zst: OK/);
    const publicKey = readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const signers = join(work, 'allowed_signers');
    writeFileSync(signers, `releases@trustnet namespaces="tnbuild-release" ${publicKey}\n`);

    const elsewhere = join(work, 'elsewhere');
    const elsewhereEnv = { ...isolatedEnv(elsewhere), TNBUILD_E2E_GUEST_ARM64: env.TNBUILD_E2E_GUEST_ARM64! };
    const elsewhereFlags = [...recipeFlags, '--output', join(elsewhere, 'output')];
    mkdirSync(join(elsewhere, 'home'), { recursive: true });
    const pulled = await runCli(['pull', folder, '--trusted-keys', signers], elsewhereEnv, elsewhereFlags);
    expect(pulled.exitCode, pulled.out).toBe(0);
    expect(pulled.out).toMatch(/imported as template layer-arm64-aarch64-/);
    const list = await runCli(['templates', 'list'], elsewhereEnv, elsewhereFlags);
    expect(list.out).toMatch(/^layer-arm64-aarch64-[0-9a-f]{12} /m);
  });
});
