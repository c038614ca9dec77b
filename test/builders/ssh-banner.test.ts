import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitSshBanner, bannerWaitSeconds } from '../../builders/ssh-banner.ts';

async function serve(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('waiting for sshd’s banner (what the guest sends before any key exchange)', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('takes the identification line after other lines, as RFC 4253 allows, split across packets', async () => {
    ({ server } = await serve((socket) => {
      socket.write('Welcome, hostile or not\r\nSS');
      setTimeout(() => socket.write('H-2.0-OpenSSH_9.2\r\n'), 50);
    }));
    const { port } = server.address() as AddressInfo;
    await expect(awaitSshBanner({ host: '127.0.0.1', port }, 2000)).resolves.toBeUndefined();
  });

  it('a guest that floods the port without a banner is cut off after 8 KiB, not read without end', async () => {
    let written = 0;
    ({ server } = await serve((socket) => {
      const flood = (): void => {
        while (!socket.destroyed && written < 64 * 2 ** 20 && socket.write('x'.repeat(4096))) written += 4096;
        if (!socket.destroyed && written < 64 * 2 ** 20) socket.once('drain', flood);
      };
      socket.on('error', () => {});
      flood();
    }));
    const { port } = server.address() as AddressInfo;
    await expect(awaitSshBanner({ host: '127.0.0.1', port }, 5000)).rejects.toThrow(
      'not an SSH server: no banner in its first 8 KiB',
    );
    expect(written).toBeLessThan(64 * 2 ** 20);
  });

  it('"SSH-" inside a line is not a banner; a close before one says so', async () => {
    ({ server } = await serve((socket) => socket.end('not SSH-2.0 at the start\r\n')));
    const { port } = server.address() as AddressInfo;
    await expect(awaitSshBanner({ host: '127.0.0.1', port }, 2000)).rejects.toThrow(
      'connection closed before an SSH banner',
    );
  });

  it('waits 3 s at first, a second longer per banner timeout in a row, never more than 10 s', () => {
    expect([0, 1, 2, 7, 50].map(bannerWaitSeconds)).toEqual([3, 4, 5, 10, 10]);
  });
});
