import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BootStallWatch, watchBootStall } from '../../builders/boot-stall.ts';
import { startVm } from '../../vms/start-vm.ts';
import { stopVm } from '../../vms/stop-vm.ts';
import { createTestVm, newSandbox, type Sandbox } from '../vms/helpers.ts';

// Real QEMU (TCG) booting a disk whose boot sector prints one line on the serial console and halts: a console that
// went silent, and a guest that never answers the SSH forward's connections (no NIC driver runs).
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step().catch(() => {});
});

async function blankVm(
  name: string,
): Promise<{ sandbox: Sandbox; port: number; qmpSocket: string; serialLog: string }> {
  const sandbox = await newSandbox('boot-stall', { bootText: 'tnbuild stall test: halting\r\n' });
  const { record, paths } = await createTestVm(sandbox, name);
  await startVm(name, { vmsRoot: sandbox.vmsRoot });
  cleanup.push(() => stopVm(name, { vmsRoot: sandbox.vmsRoot, deadlineMs: 0 }));
  return { sandbox, port: record.ports[0]!.host, qmpSocket: paths.qmpSocket, serialLog: paths.serialLog };
}

function watched(watch: BootStallWatch): BootStallWatch {
  cleanup.push(async () => watch.stop());
  return watch;
}

async function until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('watchBootStall on a real QEMU', () => {
  it('sees a console that went silent on a guest that takes no TCP, and says both', async () => {
    const vm = await blankVm('silent');
    const watch = watched(
      watchBootStall({ ...vm, host: '127.0.0.1', guestPort: 22, quietMs: 1500, pollMs: 200 }),
    );
    const stall = await until(() => watch.stalled(), 15_000);
    expect(await readFile(vm.serialLog, 'latin1')).toContain('tnbuild stall test: halting');
    expect(stall?.reason).toMatch(
      /^the guest's console printed nothing for [0-9.]+ s and it takes no TCP on port 22$/,
    );
    expect(stall?.guestState).toEqual([
      'QEMU: the guest is running',
      expect.stringContaining('(user-mode network: SYN_SENT)'),
    ]);
  });

  it('never judges a console that printed nothing since the watch began', async () => {
    const vm = await blankVm('screen-only');
    const log = join(vm.sandbox.dir, 'quiet.log');
    await writeFile(log, 'printed before this boot\n');
    const watch = watched(
      watchBootStall({
        ...vm,
        serialLog: log,
        startSize: 'printed before this boot\n'.length,
        host: '127.0.0.1',
        guestPort: 22,
        quietMs: 500,
        pollMs: 100,
      }),
    );
    expect(await until(() => watch.stalled(), 3000)).toBeUndefined();
  });

  it('is no stall when the port answers TCP: the SSH wait’s own deadline decides', async () => {
    const vm = await blankVm('answers');
    // The forward's place taken by a server that speaks at once, as a guest whose sshd came late would.
    const server = createServer((socket) => socket.end('SSH-2.0-late\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const watch = watched(
      watchBootStall({ ...vm, port, host: '127.0.0.1', guestPort: 22, quietMs: 500, pollMs: 100 }),
    );
    expect(await until(() => watch.stalled(), 4000)).toBeUndefined();
  });
});
