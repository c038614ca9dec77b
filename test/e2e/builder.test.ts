import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BuildGuestOptions, buildGuest, type StageEvent, scriptDriver } from '../../builders/index.ts';
import type { QemuProcess } from '../../builders/qemu-process.ts';
import { isTnbuildError, type TnbuildError } from '../../errors/index.ts';
import { isProcessAlive } from './helpers/process-alive.ts';
import { sshExec } from './helpers/ssh-exec.ts';
import './helpers/guest-fixture.ts';

const fixture = inject('guestFixture');
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function fixtureDriver(overrides: Parameters<typeof scriptDriver>[0] = {}) {
  return scriptDriver({
    files: { '/rootfs-amd64.tar': { path: fixture.rootfs } },
    rootfsPath: '/rootfs-amd64.tar',
    hostname: 'tnb-e2e',
    ...overrides,
  });
}

const createdDirs: string[] = [];

async function logDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tnbuild-e2e-${name}-`));
  createdDirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of createdDirs) await rm(dir, { recursive: true, force: true });
});

function baseOptions(name: string, dir: string): BuildGuestOptions {
  return {
    arch: 'x86_64',
    iso: fixture.iso,
    driver: fixtureDriver(),
    diskBytes: 2 * GiB,
    memoryMiB: 1536,
    cpus: 2,
    accel: 'auto',
    logDir: join(dir, name),
    workDir: join(dir, `${name}-scratch`),
  };
}

async function expectBuildError(promise: Promise<unknown>): Promise<TnbuildError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isTnbuildError(error), `expected a TnbuildError, got ${String(error)}`).toBe(true);
  return error as TnbuildError;
}

describe('buildGuest on the offline test ISO (TCG)', () => {
  let blocker: Server;
  let blockedPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    blockedPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('installs to a scratch disk, reboots from it, and lets the build key in over SSH; then shuts down', async () => {
    const dir = await logDir('install');
    const events: StageEvent[] = [];
    const started = Date.now();
    const guest = await buildGuest({
      ...baseOptions('install', dir),
      sshPort: blockedPort,
      onStage: (event) => events.push(event),
    });
    const sshReadyMs = Date.now() - started;
    try {
      // Here /dev/kvm exists but cannot run a guest, so `auto` falls back to TCG; a host with working KVM uses it.
      expect(['tcg', 'kvm']).toContain(guest.accel);
      expect(guest.ssh.port).not.toBe(blockedPort);
      expect(guest.ssh.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      const result = await sshExec(
        guest.ssh,
        'cat /etc/hostname; cat /root/.ssh/authorized_keys; findmnt -no SOURCE /',
      );
      expect(result.code).toBe(0);
      const [hostname, authorized, root] = result.stdout.trim().split('\n');
      expect(hostname).toBe('tnb-e2e');
      expect(authorized).toBe(guest.ssh.publicKey);
      expect(root).toBe('/dev/vda1');
    } finally {
      const exit = await guest.shutdown({ deadlineMs: 60_000 });
      expect(exit.exitCode).toBe(0);
    }
    expect(isProcessAlive(guest.qemu.pid)).toBe(false);
    const serial = await readFile(guest.serialLogPath, 'utf8');
    expect(serial).toContain('tnb-install: done');
    expect(serial).toContain('tnb-e2e login:');
    const done = events
      .filter((event) => event.status === 'done')
      .map((event) => `${event.stage} ${(event.elapsedMs / 1000).toFixed(1)} s`);
    expect(done.map((line) => line.split(' ')[0])).toEqual(['boot', 'install', 'reboot', 'ssh-ready']);
    console.info(
      `e2e install timings: ${done.join(', ')}; ssh ready after ${(sshReadyMs / 1000).toFixed(1)} s`,
    );
    await guest.removeScratch();
    expect(existsSync(guest.diskPath)).toBe(false);
  });

  it('fails with TNB303, the console tail and the log path when the guest never prints the expected prompt', async () => {
    const dir = await logDir('timeout');
    const options = baseOptions('timeout', dir);
    let pid: number | undefined;
    const error = await expectBuildError(
      buildGuest({
        ...options,
        driver: {
          name: 'never',
          plan: () => ({
            files: {},
            bootSteps: [{ expect: 'a prompt that never comes', timeoutMs: 4000 }],
            installSteps: [],
            afterInstall: 'reboot-in-place',
            username: 'root',
          }),
        },
        launcher: spyLauncher((qemu) => {
          pid = qemu.pid;
        }),
      }),
    );
    expect(error.code).toBe('TNB303');
    expect(error.details.join('\n')).toContain('boot:');
    expect(error.details).toContain(`serial log: ${join(options.logDir, 'serial.log')}`);
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(options.workDir ?? '', 'disk.qcow2'))).toBe(false);
  });

  it('keeps the scratch disk after a failure with onError: keep, and says where', async () => {
    const dir = await logDir('keep');
    const options = baseOptions('keep', dir);
    const error = await expectBuildError(
      buildGuest({
        ...options,
        onError: 'keep',
        driver: {
          name: 'never',
          plan: () => ({
            files: {},
            bootSteps: [{ expect: 'nothing', timeoutMs: 2000 }],
            installSteps: [],
            afterInstall: 'reboot-in-place',
            username: 'root',
          }),
        },
      }),
    );
    expect(error.code).toBe('TNB303');
    expect(existsSync(join(options.workDir ?? '', 'disk.qcow2'))).toBe(true);
    expect(error.details.join('\n')).toContain(`scratch disk kept in ${options.workDir}`);
  });

  it('stops cleanly when aborted during boot: nothing running, scratch disk gone', async () => {
    const dir = await logDir('abort');
    const options = baseOptions('abort', dir);
    const controller = new AbortController();
    let pid: number | undefined;
    const error = await expectBuildError(
      buildGuest({
        ...options,
        signal: controller.signal,
        launcher: spyLauncher((qemu) => {
          pid = qemu.pid;
          setTimeout(() => controller.abort(), 500);
        }),
      }),
    );
    expect(error.code).toBe('TNB306');
    expect(error.message).toContain('during boot');
    expect(pid).toBeDefined();
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(options.workDir ?? '', 'disk.qcow2'))).toBe(false);
  });

  it('reports a clean error when QEMU is killed mid-install, with nothing left running', async () => {
    const dir = await logDir('killed');
    const options = baseOptions('killed', dir);
    let qemu: QemuProcess | undefined;
    const error = await expectBuildError(
      buildGuest({
        ...options,
        launcher: spyLauncher((started) => {
          qemu = started;
        }),
        onStage: (event) => {
          if (event.stage === 'install' && event.status === 'start')
            setTimeout(() => process.kill(qemu?.pid ?? 0, 'SIGKILL'), 3000);
        },
      }),
    );
    expect(error.code).toBe('TNB302');
    expect(error.message).toMatch(/QEMU was killed \(SIGKILL\) during install/);
    expect(error.details.join('\n')).toContain('serial log:');
    expect(isProcessAlive(qemu?.pid)).toBe(false);
    expect(existsSync(join(options.workDir ?? '', 'disk.qcow2'))).toBe(false);
  });

  it('fails with TNB307 when the disk is smaller than the install needs', async () => {
    const dir = await logDir('small');
    const options = baseOptions('small', dir);
    // The pre-flight check refuses at once, before QEMU starts.
    const early = await expectBuildError(buildGuest({ ...options, diskBytes: 128 * MiB }));
    expect(early.code).toBe('TNB307');
    expect(early.message).toContain('needs at least');
    // Without it, the guest runs out of space while unpacking and the console says so.
    const late = await expectBuildError(
      buildGuest({ ...options, diskBytes: 128 * MiB, driver: fixtureDriver({ minDiskBytes: 0 }) }),
    );
    expect(late.code).toBe('TNB307');
    expect(late.message).toContain('128 MiB disk is too small');
    expect(late.details.join('\n')).toContain('No space left on device');
  });
});

function spyLauncher(onStart: (qemu: QemuProcess) => void) {
  return {
    async start(
      ...args: Parameters<typeof import('../../builders/execa-qemu-process.ts').execaQemuLauncher.start>
    ) {
      const { execaQemuLauncher } = await import('../../builders/execa-qemu-process.ts');
      const qemu = await execaQemuLauncher.start(...args);
      onStart(qemu);
      return qemu;
    },
  };
}
