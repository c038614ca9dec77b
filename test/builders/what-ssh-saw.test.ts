import { createServer, type Server } from 'node:net';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { whatSshSaw } from '../../builders/what-ssh-saw.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** What OpenSSH's own client prints for a port (`tnbuild vm` waits with it). */
async function sshStderr(port: number): Promise<string> {
  const result = await execa(
    'ssh',
    [
      ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=1', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', '-p', String(port), 'root@127.0.0.1', 'true'],
    ],
    { reject: false, timeout: 15_000 },
  );
  expect(result.exitCode).toBe(255);
  return result.stderr;
}

describe('what an SSH attempt saw, from OpenSSH’s client as it prints it', () => {
  it('an open port with no banner, a connection closed at once, a port nobody listens on', async () => {
    const held: import('node:net').Socket[] = [];
    const silent = await listen((socket) => held.push(socket));
    expect(whatSshSaw(await sshStderr(silent))).toMatch(
      /^the port took the connection, but no SSH banner came/,
    );
    for (const socket of held) socket.destroy();

    const closing = await listen((socket) => socket.destroy());
    expect(whatSshSaw(await sshStderr(closing))).toBe(
      'the connection was closed before an SSH banner: nothing listens on port 22 in the guest yet; the console shows how far it booted',
    );

    const free = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(whatSshSaw(await sshStderr(free))).toBe(
      "nothing listens on the forwarded port: QEMU's forward is gone (is QEMU still running?)",
    );
  });

  it('a refused key, with or without the host key seen', () => {
    expect(whatSshSaw('root@127.0.0.1: Permission denied (publickey).')).toBe(
      "the guest's sshd answered and refused the key: the guest's authorized_keys does not hold it",
    );
    expect(whatSshSaw('All configured authentication methods failed', 'SHA256:abc')).toBe(
      "the guest's sshd answered (host key SHA256:abc) and refused the key: the guest's authorized_keys does not hold it",
    );
    expect(whatSshSaw('something else')).toBe('no attempt reached an SSH banner');
  });
});
