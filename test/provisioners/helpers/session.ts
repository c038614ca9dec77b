import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { SshSession } from '../../../provisioners/ssh-session.ts';
import { connectSsh, type SshConnectOptions } from '../../../provisioners/ssh2-session.ts';
import type { TestSshd } from './sshd.ts';

export function connectTo(sshd: TestSshd, extra: Partial<SshConnectOptions> = {}): Promise<SshSession> {
  return connectSsh({
    host: '127.0.0.1',
    port: sshd.port,
    username: 'root',
    privateKey: sshd.privateKey,
    hostKeySha256: sshd.hostKeySha256,
    connectAttempts: 2,
    // TNB_DEBUG_SSH=1 shows connection events on stderr when a test misbehaves.
    ...(process.env.TNB_DEBUG_SSH
      ? {
          logger: {
            info() {},
            warn: (m: string) => console.error(m),
            debug: (m: string) => console.error(`${new Date().toISOString()} ${m}`),
          },
        }
      : {}),
    ...extra,
  });
}

/** A world-readable temp dir standing in for the guest's filesystem root. */
export async function makeSandbox(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tnb-guest-'));
  await chmod(dir, 0o755);
  // A guest command a test left running (a step whose connection was cut, by design) may still write into the
  // sandbox while it is removed (ENOTEMPTY): rm tries again, up to 5 times, 200 ms more apart each time.
  return { dir, remove: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }) };
}

/** A throwaway account with a plain /bin/sh (`useradd -m -s /bin/sh`), removed with its home afterwards. */
export async function makeThrowawayUser(
  prefix = 'tnbt',
): Promise<{ name: string; home: string; remove: () => Promise<void> }> {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  // Test files run in parallel and useradd does not wait for another's lock on /etc/passwd.
  for (let attempt = 1; ; attempt += 1) {
    const added = await execa('useradd', ['-m', '-s', '/bin/sh', name], { reject: false });
    if (added.exitCode === 0) break;
    if (attempt >= 10 || !/lock/i.test(added.stderr)) throw new Error(`useradd ${name}: ${added.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  return {
    name,
    home: `/home/${name}`,
    remove: async () => {
      // Anything the tests left running as this user, by pid; userdel refuses while any is alive.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const ps = await execa('ps', ['-o', 'pid=', '-u', name], { reject: false });
        const pids = ps.stdout
          .split('\n')
          .map(Number)
          .filter((value) => value > 0);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await execa('userdel', ['-r', name], { reject: false });
    },
  };
}
