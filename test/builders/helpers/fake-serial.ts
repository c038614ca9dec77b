import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSerialConsole, type SerialConsole } from '../../../builders/serial-console.ts';

/** A unix socket standing in for QEMU's serial chardev: `guest` writes what the guest would print. */
export interface FakeSerial {
  readonly console: SerialConsole;
  readonly guest: Socket;
  /** Everything the builder typed. */
  typed(): string;
  close(): Promise<void>;
}

export async function startFakeSerial(): Promise<FakeSerial> {
  const dir = await mkdtemp(join(tmpdir(), 'tnbuild-serial-'));
  const path = join(dir, 'serial.sock');
  let received = '';
  const closers: (() => Promise<void>)[] = [];
  const accepted = new Promise<Socket>((resolve) => {
    const server: Server = createServer((socket) => {
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      resolve(socket);
    });
    server.listen(path);
    closers.push(() => new Promise((done) => server.close(() => done())));
  });
  const console = await connectSerialConsole(path, join(dir, 'serial.log'));
  const guest = await accepted;
  return {
    console,
    guest,
    typed: () => received,
    close: async () => {
      await console.close();
      guest.destroy();
      for (const close of closers) await close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
