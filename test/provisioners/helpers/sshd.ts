import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { sshKeyPair } from '../../helpers/ssh-key-pair.ts';

export const SSHD = '/usr/sbin/sshd';

/** A real OpenSSH server on 127.0.0.1, its own host key, config and authorized_keys in a temp dir. */
export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  readonly hostKeySha256: string;
  readonly privateKey: string;
  readonly publicKey: string;
  /** What sshd wrote to stderr since it last started (set TNB_SSHD_LOGLEVEL=DEBUG3 for more). */
  log(): string;
  /** Kills the per-connection sshd processes: every open connection drops, the listener stays. */
  dropConnections(): Promise<number>;
  /** Stops the listener and its connections; `start()` brings it back on the same port with the same host key. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fails loudly when sshd is missing: these tests must run wherever the unit project runs (CI runs them as root).
 * `SetEnv SHLVL=1` makes bash skip ~/.bashrc for commands (bash only sources it when run by sshd at shell level 1):
 * root's ~/.bashrc on these machines runs pyenv, 0.55 s a command, which has nothing to do with SSH.
 */
export async function startSshd(): Promise<TestSshd> {
  await access(SSHD).catch(() => {
    throw new Error(
      `${SSHD} is missing: these tests need a real OpenSSH server (apt-get install openssh-server)`,
    );
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'tnb-sshd-'));
  await chmod(dir, 0o755);
  // sshd refuses to start without its privilege separation directory (Debian: /run/sshd, normally made by the service).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const fingerprint =
    (await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])).stdout.split(' ')[1] ?? '';
  const pair = sshKeyPair('tnbuild-test');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `${pair.public.trim()}\n`, { mode: 0o644 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      // The test key for every user, then each user's own file (the user module manages it).
      `AuthorizedKeysFile ${authorizedKeys} .ssh/authorized_keys`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM yes',
      'StrictModes no',
      // Lets a key line set PATH (the become test puts a stand-in sudo first).
      'PermitUserEnvironment PATH',
      'MaxSessions 50',
      'MaxStartups 50',
      'Subsystem sftp internal-sftp',
      'SetEnv SHLVL=1',
      `LogLevel ${process.env.TNB_SSHD_LOGLEVEL ?? 'ERROR'}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    await waitForBanner(port, () => (child?.exitCode !== null ? `sshd exited: ${log}` : undefined));
  };
  const listenerPid = () => child?.pid;
  const dropConnections = async () => {
    const pid = listenerPid();
    if (!pid) return 0;
    const children = await childrenOf(pid);
    for (const childPid of children) {
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return children.length;
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    await dropConnections();
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    dir,
    hostKeySha256: fingerprint,
    privateKey: pair.private,
    publicKey: pair.public.trim(),
    log: () => log,
    dropConnections,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function childrenOf(pid: number): Promise<number[]> {
  const result = await execa('ps', ['-o', 'pid=', '--ppid', String(pid)], { reject: false });
  return result.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((value) => Number.isInteger(value) && value > 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForBanner(port: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    const banner = await new Promise<string>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', () => resolve(''));
      socket.once('timeout', () => {
        socket.destroy();
        resolve('');
      });
      socket.connect(port, '127.0.0.1');
    });
    if (banner.startsWith('SSH-')) return;
    if (Date.now() > deadline) throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a file's text, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}
