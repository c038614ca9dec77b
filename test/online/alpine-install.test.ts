import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alpineDriver, buildGuest, type StageEvent } from '../../builders/index.ts';
import { fetchAlpineIso } from '../e2e/helpers/fetch-alpine-iso.ts';
import { sshExec } from '../e2e/helpers/ssh-exec.ts';

// The builder alone on the real Alpine 3.22 ISO (`npm run test:online`): Alpine's mirror is unreachable offline.
const GiB = 1024 ** 3;

describe.each(['x86_64', 'aarch64'] as const)('the real Alpine 3.22 install on %s (online)', (arch) => {
  it('installs alpine-virt with setup-alpine, reboots from disk, and lets the build key in as root', async () => {
    const iso = await fetchAlpineIso(arch);
    const dir = await mkdtemp(join(tmpdir(), `tnbuild-online-alpine-${arch}-`));
    const events: StageEvent[] = [];
    const guest = await buildGuest({
      arch,
      iso,
      driver: alpineDriver({ hostname: 'tnb-alpine' }),
      diskBytes: 2 * GiB,
      memoryMiB: 1024,
      accel: 'auto',
      logDir: join(dir, 'logs'),
      onStage: (event) => events.push(event),
    });
    try {
      const result = await sshExec(
        guest.ssh,
        'cat /etc/alpine-release; hostname; cat /proc/cmdline; rc-service sshd status',
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^3\.22\./);
      expect(result.stdout).toContain('tnb-alpine');
      expect(result.stdout).toContain(arch === 'aarch64' ? 'console=ttyAMA0' : 'console=ttyS0');
    } finally {
      await guest.shutdown();
      await guest.removeScratch();
    }
    const done = events
      .filter((event) => event.status === 'done')
      .map((event) => `${event.stage} ${(event.elapsedMs / 1000).toFixed(1)} s`);
    console.info(`alpine ${arch} (${guest.accel}): ${done.join(', ')}`);
  });
});
