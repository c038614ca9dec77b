import { createHash } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Server, utils } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { generateBuildKey } from '../../builders/build-key.ts';
import { runOverSsh } from '../../builders/run-over-ssh.ts';
import { fingerprintSha256, waitForSsh } from '../../builders/wait-for-ssh.ts';
import { silentLogger } from '../../host/command-runner.ts';
import { sshKeyPair } from '../helpers/ssh-key-pair.ts';

const hostKey = sshKeyPair();

function startSshd(port: number, authorizedKey: string): Promise<Server> {
  const server = sshServer(authorizedKey);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** An sshd that lets in one key and runs any command as a success; not listening yet. */
function sshServer(authorizedKey: string): Server {
  const allowed = utils.parseKey(authorizedKey);
  if (allowed instanceof Error) throw allowed;
  return new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (context) => {
      if (context.method === 'publickey' && context.key.data.equals(allowed.getPublicSSH())) context.accept();
      else context.reject(['publickey']);
    });
    client.on('session', (accept) => {
      accept().once('exec', (acceptExec) => {
        const stream = acceptExec();
        stream.exit(0);
        stream.end();
      });
    });
    client.on('error', () => {});
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = new Server({ hostKeys: [hostKey.private] }, () => {});
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('SSH readiness', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('generates an OpenSSH-format ed25519 build key', () => {
    const key = generateBuildKey('build-42');
    expect(key.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ build-42$/);
    expect(key.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
  });

  it('waits with backoff until sshd accepts the build key, and returns its host key fingerprint', async () => {
    const key = generateBuildKey();
    const port = await freePort();
    setTimeout(() => {
      void startSshd(port, key.publicKey).then((started) => {
        server = started;
      });
    }, 1500);
    const ready = await waitForSsh({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey: key.privateKey,
      deadlineMs: 20_000,
    });
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    const expected = `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
    expect(ready.hostKeySha256).toBe(expected);
    expect(fingerprintSha256(parsed.getPublicSSH())).toBe(expected);
    expect(ready.attempts).toBeGreaterThan(1);
  });

  it('gives up at the deadline with TNB400 when the key is never accepted', async () => {
    const port = await freePort();
    server = await startSshd(port, generateBuildKey().publicKey);
    await expect(
      waitForSsh({
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: generateBuildKey().privateKey,
        deadlineMs: 2000,
      }),
    ).rejects.toMatchObject({
      code: 'TNB400',
      details: [
        expect.stringMatching(/attempts; last error: All configured authentication methods failed/),
        expect.stringMatching(
          /^the guest's sshd answered \(host key SHA256:[A-Za-z0-9+/]{43}\) and refused the key: the guest's authorized_keys does not hold it$/,
        ),
      ],
    });
  });

  it('a wait that gives up says how far the SSH conversation got: no banner behind an open port, or no port', async () => {
    // What user-mode networking does while the guest boots: the forward accepts, nothing answers.
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const wait = (on: number) =>
      waitForSsh({
        host: '127.0.0.1',
        port: on,
        username: 'root',
        privateKey: generateBuildKey().privateKey,
        deadlineMs: 1500,
      });
    try {
      await expect(wait(port)).rejects.toMatchObject({
        code: 'TNB400',
        details: [
          expect.stringMatching(/no SSH banner within 1\.\d+ s/),
          expect.stringMatching(/no SSH banner came/),
        ],
      });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    await expect(wait(port)).rejects.toMatchObject({
      details: [
        expect.stringMatching(/ECONNREFUSED/),
        "nothing listens on the forwarded port: QEMU's forward is gone (is QEMU still running?)",
      ],
    });
  });

  it('gives up on an attempt behind a silent port after its banner wait, and logs in once sshd speaks', async () => {
    // QEMU's forward while the guest's network is down: it accepts and holds the connection. An attempt that waited
    // for a whole handshake (20 s, or here the deadline) found sshd only on the next boot; this one waits 3 s.
    const key = generateBuildKey();
    const sshd = sshServer(key.publicKey);
    let speaking = false;
    const held: Socket[] = [];
    const forward = createServer((socket) => {
      if (speaking) sshd.injectSocket(socket);
      else held.push(socket);
    });
    await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve));
    const { port } = forward.address() as AddressInfo;
    setTimeout(() => {
      speaking = true;
    }, 1000);
    const debug: string[] = [];
    const logger = { ...silentLogger, debug: (line: string) => debug.push(line) };
    try {
      const ready = await waitForSsh({
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: key.privateKey,
        deadlineMs: 8000,
        logger,
      });
      expect(ready.attempts).toBe(2);
      expect(debug).toEqual([expect.stringMatching(/attempt 1: no SSH banner within 3 s$/)]);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => forward.close(resolve));
    }
  });

  it('runs a command with the pinned host key, and refuses a different host key (TNB403)', async () => {
    const key = generateBuildKey();
    const port = await freePort();
    server = await startSshd(port, key.publicKey);
    const target = { host: '127.0.0.1', port, username: 'root', privateKey: key.privateKey };
    const ready = await waitForSsh({ ...target, deadlineMs: 10_000 });
    await expect(
      runOverSsh({ ...target, hostKeySha256: ready.hostKeySha256 }, 'true'),
    ).resolves.toMatchObject({ exitCode: 0 });
    await expect(
      runOverSsh({ ...target, hostKeySha256: 'SHA256:somebodyElse' }, 'true'),
    ).rejects.toMatchObject({
      code: 'TNB403',
      message: `the guest presented host key ${ready.hostKeySha256}, not SHA256:somebodyElse`,
    });
  });

  it('stops waiting at once when QEMU has exited', async () => {
    const port = await freePort();
    await expect(
      waitForSsh({
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: generateBuildKey().privateKey,
        stopped: () => 'QEMU exited',
      }),
    ).rejects.toMatchObject({ code: 'TNB400', message: 'SSH never came up: QEMU exited' });
  });

  it('an interrupt ends an attempt on a port that accepts TCP but never speaks SSH, not its 20 s handshake wait', async () => {
    // What user-mode networking does while the guest boots: the forward accepts, nothing answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    try {
      await expect(
        waitForSsh({
          host: '127.0.0.1',
          port,
          username: 'root',
          privateKey: generateBuildKey().privateKey,
          signal: controller.signal,
        }),
      ).rejects.toMatchObject({ code: 'TNB306' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.close();
    }
  });
});
