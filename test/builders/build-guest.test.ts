import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StageEvent } from '../../builders/build-events.ts';
import { type BuildGuestOptions, buildGuest } from '../../builders/build-guest.ts';
import { consoleDriver } from '../../builders/drivers/console-driver.ts';
import type { InstallDriver } from '../../builders/drivers/install-driver.ts';
import { scriptDriver } from '../../builders/drivers/script-driver.ts';
import type { HostLookup } from '../../builders/host-lookup.ts';
import { nodeHostLookup } from '../../builders/host-lookup.ts';
import { silentLogger } from '../../host/command-runner.ts';
import { fakeQemuLauncher, type GuestScript } from './helpers/fake-qemu.ts';

const MiB = 1024 ** 2;

const served: string[] = [];

/** The test ISO's protocol, played by a script: fetch the answer file the builder serves, "install", reboot. */
const scriptedInstall: GuestScript = (guest) => {
  if (guest.boot > 0) return;
  guest.print('ISOLINUX 6.04\r\nboot: ');
  void guest.typed('\r').then(async (typed) => {
    const url = /tnb\.answer=http:\/\/10\.0\.2\.2:(\d+)(\/\S+)/.exec(typed);
    const answer = await (await fetch(`http://127.0.0.1:${url?.[1]}${url?.[2]}`)).text();
    served.push(await (await fetch(`http://127.0.0.1:${url?.[1]}/extra.txt`)).text());
    const key = /^AUTHORIZED_KEY='(.*)'$/m.exec(answer)?.[1] ?? '';
    guest.print('\r\ntnb-live: running answer file\r\ntnb-install: done\r\n');
    setTimeout(() => {
      guest.print('Debian GNU/Linux 12 tnb-e2e ttyS0\r\n\r\ntnb-e2e login: ');
      guest.startSshd(key);
    }, 100);
  });
};

describe('buildGuest (fake QEMU, real HTTP, real SSH)', () => {
  let dir: string;
  let iso: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-build-'));
    iso = join(dir, 'installer.iso');
    await writeFile(iso, 'not really an ISO');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function options(overrides: Partial<BuildGuestOptions>): BuildGuestOptions {
    return {
      arch: 'x86_64',
      iso,
      driver: scriptDriver({ hostname: 'tnb-e2e' }),
      diskBytes: 64 * MiB,
      accel: 'tcg',
      logDir: join(dir, 'logs'),
      workDir: join(dir, 'scratch'),
      ...overrides,
    };
  }

  it('runs boot → install → reboot → ssh-ready and returns a handle with the pinned host key', async () => {
    const launcher = fakeQemuLauncher(scriptedInstall);
    const events: StageEvent[] = [];
    await writeFile(join(dir, 'extra.txt'), 'from the http directory\n');
    const guest = await buildGuest(
      options({ launcher, httpDirectory: dir, onStage: (event) => events.push(event) }),
    );
    expect(events.map((event) => `${event.stage}:${event.status}`)).toEqual([
      'boot:start',
      'boot:done',
      'install:start',
      'install:done',
      'reboot:start',
      'reboot:done',
      'ssh-ready:start',
      'ssh-ready:done',
    ]);
    expect(guest.ssh).toMatchObject({
      host: '127.0.0.1',
      username: 'root',
      hostKeySha256: expect.stringMatching(/^SHA256:/),
    });
    expect(guest.ssh.port).toBe(launcher.specs[0]?.ports[0]?.host);
    expect(served).toContain('from the http directory\n');
    expect(launcher.specs[0]).toMatchObject({
      cdrom: iso,
      accel: 'tcg',
      disk: join(dir, 'scratch/disk.qcow2'),
    });
    expect(existsSync(guest.diskPath)).toBe(true);
    await expect(guest.shutdown({ deadlineMs: 5000 })).resolves.toMatchObject({ exitCode: 0 });
    expect(launcher.alive()).toBe(0);
    await guest.removeScratch();
    expect(await readdir(join(dir, 'scratch'))).toEqual([]);
  });

  it('a console installer: edits a GRUB-like menu entry with keys, the guest fetches the served template and powers off', async () => {
    let fetched = '';
    const launcher = fakeQemuLauncher((guest) => {
      if (guest.boot > 0) {
        guest.print('tnb-grub login: ');
        guest.startSshd(/ssh-ed25519 \S+/.exec(fetched)?.[0] ?? '');
        return;
      }
      guest.print('\x1b[2J\x1b[H      GNU GRUB  version 2.06\r\n *Install\r\n');
      // The editor: `e`, two lines down, end of line; then the typed text; Ctrl-X boots.
      void guest.typed('e\x1b[B\x1b[B\x05').then(() => guest.print('\x1b[3;1Hlinux /vmlinuz quiet'));
      void guest.typed('\x18').then(async (typed) => {
        const url = / tnb\.answer=http:\/\/10\.0\.2\.2:(\d+)(\/[\w.-]+)/.exec(typed);
        fetched = await (await fetch(`http://127.0.0.1:${url?.[1]}${url?.[2]}`)).text();
        guest.print('\r\nGRUB-like installer: answer fetched\r\n');
        setTimeout(() => guest.exit(), 50);
      });
    });
    const guest = await buildGuest(
      options({
        launcher,
        driver: consoleDriver({
          hostname: 'tnb-grub',
          bootSteps: [
            { expect: 'GNU GRUB', timeoutMs: 5000 },
            { send: 'e<down><down><ctrl-e>' },
            { expect: 'quiet', timeoutMs: 5000 },
            { send: ' tnb.answer={{http.url}}/answer.sh<ctrl-x>', paceMs: 1, echoTimeoutMs: 5000 },
          ],
          end: { powerOff: true, timeoutMs: 5000 },
          afterSteps: [{ expect: /login: ?$/m, timeoutMs: 5000 }],
          files: { '/answer.sh': { template: 'KEY={{buildKey}} DISK={{disk}}\n' } },
          qemuArgs: ['-device', 'virtio-tablet-pci'],
        }),
      }),
    );
    expect(fetched).toMatch(/^KEY=ssh-ed25519 \S+ \S+ DISK=\/dev\/vda\n$/);
    expect(launcher.specs).toHaveLength(2);
    expect(launcher.specs[0]).toMatchObject({
      cdrom: iso,
      noReboot: true,
      extraArgs: ['-device', 'virtio-tablet-pci'],
    });
    expect(launcher.specs[1]?.cdrom).toBeUndefined();
    expect(launcher.specs[1]?.extraArgs).toEqual(['-device', 'virtio-tablet-pci']);
    await guest.shutdown({ deadlineMs: 5000 });
    await guest.removeScratch();
  });

  it('no ISO and no kernel is TNB309 with what to give, before any QEMU starts', async () => {
    const launcher = fakeQemuLauncher(() => {});
    await expect(
      buildGuest(
        options({
          iso: undefined,
          launcher,
          driver: consoleDriver({ hostname: 'x', bootSteps: [], end: { ssh: true } }),
        }),
      ),
    ).rejects.toMatchObject({ code: 'TNB309', hint: expect.stringContaining("type: 'netboot'") });
    expect(launcher.specs).toHaveLength(0);
  });

  it('a console installer’s failure marker stops the build at once with the console’s tail', async () => {
    const launcher = fakeQemuLauncher((guest) => {
      guest.print('Installer starting\r\n');
      setTimeout(() => guest.print('partitioning...\r\ninstall failed (disk too small)\r\n'), 50);
    });
    const started = Date.now();
    await expect(
      buildGuest(
        options({
          launcher,
          driver: consoleDriver({
            hostname: 'x',
            bootSteps: [{ expect: 'Installer starting', timeoutMs: 5000 }],
            end: { powerOff: true, timeoutMs: 60_000 },
            failOn: ['install failed ('],
          }),
        }),
      ),
    ).rejects.toMatchObject({
      code: 'TNB308',
      details: expect.arrayContaining([expect.stringContaining('install failed (disk too small)')]),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(launcher.alive()).toBe(0);
  });

  it('restart-from-disk: waits for the installer to end, then boots the disk without the CD', async () => {
    const driver: InstallDriver = {
      name: 'restart',
      plan: (context) => ({
        files: { '/key': { content: context.authorizedKey } },
        bootSteps: [{ expect: 'login: ', timeoutMs: 2000 }, { send: 'root\n' }],
        installSteps: [{ expect: 'Installation is complete', timeoutMs: 2000 }, { send: 'poweroff\n' }],
        rebootSteps: [{ expect: 'login: ', timeoutMs: 2000 }],
        afterInstall: 'restart-from-disk',
        username: 'root',
      }),
    };
    let launcherKey = '';
    const launcher = fakeQemuLauncher((guest) => {
      if (guest.boot === 0) {
        guest.print('localhost login: ');
        void guest.typed('poweroff\n').then(() => guest.exit());
        void guest.typed('root\n').then(() => guest.print('Installation is complete. Please reboot.\r\n'));
      } else {
        guest.print('alpine login: ');
        guest.startSshd(launcherKey);
      }
    });
    const guest = await buildGuest(
      options({
        driver: {
          name: driver.name,
          plan: async (context) => {
            launcherKey = context.authorizedKey;
            return driver.plan(context);
          },
        },
        launcher,
      }),
    );
    expect(launcher.specs).toHaveLength(2);
    expect(launcher.specs[0]).toMatchObject({ cdrom: iso, noReboot: true });
    expect(launcher.specs[1]?.cdrom).toBeUndefined();
    expect(launcher.specs[1]?.noReboot).toBe(false);
    await guest.shutdown({ deadlineMs: 5000 });
    expect(launcher.alive()).toBe(0);
  });

  describe('restart-from-disk, a boot that stalls (console silent, no TCP)', () => {
    const driver = (authorizedKey: (key: string) => void): InstallDriver => ({
      name: 'restart',
      plan: (context) => {
        authorizedKey(context.authorizedKey);
        return {
          files: {},
          bootSteps: [],
          installSteps: [{ expect: 'Installation is complete', timeoutMs: 2000 }],
          rebootSteps: [{ expect: 'login: ', timeoutMs: 60_000 }],
          afterInstall: 'restart-from-disk',
          username: 'root',
        };
      },
    });
    const install = (guest: Parameters<GuestScript>[0]): boolean => {
      if (guest.boot > 0) return false;
      guest.print('Installation is complete\r\n');
      setTimeout(() => guest.exit(), 50);
      return true;
    };

    it('is booted once more, with a warning and the stalled boot’s console and state kept', async () => {
      // The first boot from disk prints its kernel's first line and stops; the second comes up.
      let key = '';
      const warnings: string[] = [];
      const recovers = fakeQemuLauncher((guest) => {
        if (install(guest)) return;
        guest.print('Linux version 6.1.0 (frozen boot)\r\n');
        if (guest.boot === 1) guest.hang();
        else {
          guest.print('alpine login: ');
          guest.startSshd(key);
        }
      });
      const guest = await buildGuest(
        options({
          launcher: recovers,
          driver: driver((authorized) => {
            key = authorized;
          }),
          bootStallMs: 1000,
          logger: { ...silentLogger, warn: (line: string) => warnings.push(line) },
        }),
      );
      expect(recovers.specs).toHaveLength(3);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^the installed system's boot stalled \(the guest's console printed nothing for [0-9.]+ s and it takes no TCP on port 22\): booting it again; .* are in /,
        ),
      ]);
      expect(await readFile(join(dir, 'logs/boot-1-guest-state.txt'), 'utf8')).toMatch(
        /^the guest's console printed nothing .*\nQEMU: the guest is running\n.*SYN_SENT/,
      );
      expect(await readFile(join(dir, 'logs/boot-1-serial.log'), 'latin1')).toContain('(frozen boot)');
      await guest.shutdown({ deadlineMs: 5000 });
      expect(recovers.alive()).toBe(0);
    }, 60_000);

    it('fails at once when the second boot stalls too, long before the SSH deadline', async () => {
      // Both boots from disk print a line and stop.
      const stalls = fakeQemuLauncher((stalled) => {
        if (install(stalled)) return;
        stalled.print('Linux version 6.1.0 (frozen boot)\r\n');
        stalled.hang();
      });
      const started = Date.now();
      const error = await buildGuest(
        options({ launcher: stalls, driver: driver(() => {}), bootStallMs: 1000, sshTimeoutMs: 60_000 }),
      ).catch((caught: unknown) => caught);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(error).toMatchObject({
        code: 'TNB400',
        hint: expect.stringMatching(
          /^Read boot-1-serial\.log and serial\.log in the log folder: .*TNBUILD_BOOT_STALL/,
        ),
        message: expect.stringMatching(
          /^SSH never came up: the boot stalled: .* \(booted again after the first boot stalled\) \(reboot\)$/,
        ),
      });
      expect(stalls.specs).toHaveLength(3);
      expect(stalls.alive()).toBe(0);
    }, 60_000);
  });

  it('a console timeout kills QEMU, removes the scratch disk, and reports the stage, tail and log path', async () => {
    const launcher = fakeQemuLauncher((guest) => guest.print('SeaBIOS\r\nBooting from Hard Disk...\r\n'));
    const events: StageEvent[] = [];
    const error = await buildGuest(
      options({
        launcher,
        onStage: (event) => events.push(event),
        driver: scriptDriver({ bootPromptTimeoutMs: 300 }),
      }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TNB303',
      message: 'the guest did not print "boot:" within 0.3 s (boot)',
    });
    expect((error as { details: string[] }).details).toEqual([
      'last console lines:',
      '│ SeaBIOS',
      '│ Booting from Hard Disk...',
      `serial log: ${join(dir, 'logs/serial.log')}`,
    ]);
    expect(events.at(-1)).toMatchObject({ stage: 'boot', status: 'failed' });
    expect(launcher.alive()).toBe(0);
    expect(existsSync(join(dir, 'scratch/disk.qcow2'))).toBe(false);
  });

  it('an sshd that never answers is TNB400 with what QEMU was asked about the guest, kept beside the serial log', async () => {
    // The installed system boots (the login prompt) but its sshd never starts; the fake QEMU has no QMP socket.
    const launcher = fakeQemuLauncher((guest) => {
      if (guest.boot > 0) return;
      guest.print('ISOLINUX 6.04\r\nboot: ');
      void guest.typed('\r').then(async (typed) => {
        const url = /tnb\.answer=http:\/\/10\.0\.2\.2:(\d+)(\/\S+)/.exec(typed);
        await fetch(`http://127.0.0.1:${url?.[1]}${url?.[2]}`);
        guest.print('\r\ntnb-live: running answer file\r\ntnb-install: done\r\n');
        setTimeout(() => guest.print('Debian GNU/Linux 12 tnb-e2e ttyS0\r\n\r\ntnb-e2e login: '), 100);
      });
    });
    const error = await buildGuest(options({ launcher, sshTimeoutMs: 1500 })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'TNB400' });
    const details = (error as { details: string[] }).details;
    expect(details).toContain('guest state:');
    expect(details).toContainEqual(expect.stringMatching(/^ {2}QEMU could not be asked about the guest: /));
    expect(await readFile(join(dir, 'logs/guest-state.txt'), 'utf8')).toMatch(/^QEMU could not be asked/);
    expect(launcher.alive()).toBe(0);
  });

  it('an abort during boot is TNB306 with nothing left running and the scratch disk gone', async () => {
    const launcher = fakeQemuLauncher(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await buildGuest(options({ launcher, signal: controller.signal })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'TNB306',
      message: 'the build was interrupted during boot; QEMU was stopped',
    });
    expect(launcher.alive()).toBe(0);
    expect(existsSync(join(dir, 'scratch/disk.qcow2'))).toBe(false);
  });

  it('refuses a disk smaller than the install needs before starting QEMU (TNB307)', async () => {
    const launcher = fakeQemuLauncher(() => {});
    await writeFile(join(dir, 'rootfs.tar'), Buffer.alloc(2 * MiB));
    const driver = scriptDriver({ files: { '/rootfs.tar': { path: join(dir, 'rootfs.tar') } } });
    await expect(buildGuest(options({ launcher, driver, diskBytes: 1 * MiB }))).rejects.toMatchObject({
      code: 'TNB307',
      message: 'the script install needs at least 2 MiB but the disk has 1 MiB',
    });
    expect(launcher.specs).toHaveLength(0);
    expect(existsSync(join(dir, 'scratch/disk.qcow2'))).toBe(false);
  });

  it('the guest running out of space during the install is TNB307 too', async () => {
    const launcher = fakeQemuLauncher((guest) => {
      guest.print('boot: ');
      void guest
        .typed('\r')
        .then(() =>
          guest.print(
            `\r\ntnb-live: running answer file\r\n/usr/bin/tar: ./usr/lib/x86_64-linux-gnu/libc.so.6: Cannot write: No space left on device\r\ntnb-install: failed during unpack (exit 2)\r\n`,
          ),
        );
    });
    const error = await buildGuest(options({ launcher })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TNB307',
      message: 'the install ran out of disk space: the 64 MiB disk is too small',
    });
  });

  it('a missing ISO is TNB309; a missing QEMU is TNB300 with the install command; nothing is created', async () => {
    await expect(buildGuest(options({ iso: join(dir, 'nope.iso') }))).rejects.toMatchObject({
      code: 'TNB309',
    });
    const noQemu: HostLookup = {
      ...nodeHostLookup,
      findExecutable: async (name) => (name === 'qemu-img' ? '/usr/bin/qemu-img' : undefined),
    };
    await expect(buildGuest(options({ lookup: noQemu }))).rejects.toMatchObject({
      code: 'TNB300',
      details: expect.arrayContaining(['Debian/Ubuntu: sudo apt-get install qemu-system-x86']),
    });
    expect(existsSync(join(dir, 'scratch'))).toBe(false);
  });

  it('keeps the scratch disk with onError: keep and says where', async () => {
    const launcher = fakeQemuLauncher(() => {});
    const error = await buildGuest(
      options({ launcher, onError: 'keep', driver: scriptDriver({ bootPromptTimeoutMs: 200 }) }),
    ).catch((caught: unknown) => caught);
    expect((error as { details: string[] }).details.at(-1)).toBe(
      `scratch disk kept in ${join(dir, 'scratch')} (onError: keep)`,
    );
    expect(existsSync(join(dir, 'scratch/disk.qcow2'))).toBe(true);
    expect(
      await readFile(join(dir, 'scratch/disk.qcow2')).then((data) => data.subarray(0, 4).toString('latin1')),
    ).toBe('QFI\xfb');
  });
});
