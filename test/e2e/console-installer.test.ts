import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';

// Any installer, described only in a recipe: test/e2e/recipes/grub-guest.ts installs the fixture's GRUB medium
// (menu edited with keys, its own console words, an install that powers off, the disk booted with the medium
// detached), provisions over SSH, runs its checks and seals a template; a clone of it boots.
const fixture = inject('guestFixture');
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-console-'));
const env = isolatedEnv(work, { TNBUILD_E2E_GUEST: fixture.dir, TNBUILD_E2E_NETBOOT: inject('netbootDir') });
const flags = [
  '--recipes',
  join(REPO, 'test/e2e/recipes'),
  '--arch',
  'x86_64',
  '--output',
  join(work, 'output'),
];
const tnbuild = (args: string[]) => runCli(args, env, flags);

describe('the console installer on a medium tnbuild does not know (TCG)', () => {
  afterAll(async () => {
    await tnbuild(['vm', 'destroy', 'grub-guest', '--force']);
    rmSync(work, { recursive: true, force: true });
  });

  it('installs from the GRUB medium, reboots from the disk, provisions, checks and seals; a clone boots', async () => {
    mkdirSync(env.HOME!, { recursive: true });
    const plan = await tnbuild(['plan', 'grub-guest']);
    expect(plan.exitCode, plan.out).toBe(0);
    expect(plan.out).toContain('send "<down><down><ctrl-e>"');
    expect(plan.out).toContain('power off within 20m');

    const built = await tnbuild(['recipe', 'grub-guest']);
    expect(built.exitCode, built.out).toBe(0);
    expect(built.out).toMatch(/grub-guest: checks done/);
    const serial = readdirSync(join(work, 'output/logs'), { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('serial.log'));
    const log = serial.map((name) => readFileSync(join(work, 'output/logs', name), 'latin1')).join('\n');
    // GRUB's editor took the typed parameter, the medium's own live system ran the served answers, powered off,
    // and the disk booted without it.
    // The kernel's own lines, not the whole console: a failure shows what the kernel got.
    const commandLines = log.match(/Command line: .*$/gm) ?? [];
    expect(commandLines).toContainEqual(
      expect.stringMatching(
        /^Command line: BOOT_IMAGE=\/live\/vmlinuz console=ttyS0 onfail=poweroff answers=http:\/\/10\.0\.2\.2:\d+\/a\r?$/,
      ),
    );
    expect({
      answersRan: log.includes('medium: running answer file'),
      installed: log.includes('tnb-install: done'),
      diskBooted: /grub-guest login:/.test(log),
    }).toEqual({ answersRan: true, installed: true, diskBooted: true });

    const created = await tnbuild(['vm', 'create', 'grub-guest']);
    expect(created.exitCode, created.out).toBe(0);
    // --wait returns once the user can log in: the first `vm ssh` after it works, with no retries of its own.
    const started = await tnbuild(['vm', 'start', 'grub-guest', '--wait']);
    expect(started.exitCode, started.out).toBe(0);
    expect(started.out).toMatch(/^grub-guest answers SSH after \d+\.\d s/m);
    const ssh = await tnbuild(['vm', 'ssh', 'grub-guest', '--', 'sh', '-c', 'hostname; cat /etc/fstab']);
    expect(ssh.exitCode, ssh.out).toBe(0);
    expect(ssh.out).toContain('grub-guest');
  });

  it('boots Debian’s netboot kernel + initrd from a recipe; the served preseed reaches the installer, which powers off', async () => {
    const plan = await tnbuild(['plan', 'netboot-debian']);
    expect(plan.exitCode, plan.out).toBe(0);
    expect(plan.out).toMatch(/source +console installer, netboot: kernel .*linux/);

    // The install ends as the recipe says (power off); the disk it leaves is empty, so the boot after it fails, at
    // the reboot stage, by its own deadline: the proof is the install stage and the marker.
    const built = await tnbuild(['recipe', 'netboot-debian']);
    expect(built.exitCode).not.toBe(0);
    expect(built.out).toMatch(/netboot-debian: install done in/);
    expect(built.out).toMatch(/TNB303.*login/);
    const serial = readdirSync(join(work, 'output/logs'), { recursive: true })
      .map(String)
      .filter((name) => name.includes('netboot-debian') && name.endsWith('serial.log'));
    const log = serial.map((name) => readFileSync(join(work, 'output/logs', name), 'latin1')).join('\n');
    expect(log).toMatch(/Command line: .*preseed\/url=http:\/\/10\.0\.2\.2:\d+\/preseed\.cfg/);
    expect(log).toMatch(/tnb-preseed: netboot-debian got the preseed from http:\/\/10\.0\.2\.2:\d+/);
    // The guest powered itself off: QEMU's first run ended by itself with status 0 (tnbuild's own record). The
    // kernel's last line, `reboot: Power down`, does not always reach the serial log before the machine stops.
    const qemuLog = readFileSync(join(work, 'output/logs', dirname(serial[0]!), 'qemu.log'), 'utf8');
    expect(
      qemuLog
        .match(/^# \S+ (started|exited.*)$/gm)
        ?.slice(0, 3)
        .map((line) => line.replace(/^# \S+ /, '')),
    ).toEqual(['started', 'exited (exit 0)', 'started']);
  });
});
