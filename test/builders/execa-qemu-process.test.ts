import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execaQemuLauncher } from '../../builders/execa-qemu-process.ts';
import type { MachineSpec } from '../../builders/machine-spec.ts';
import type { QemuProcess } from '../../builders/qemu-process.ts';
import { isProcessAlive } from '../e2e/helpers/process-alive.ts';
import { idleMachine } from './helpers/idle-machine.ts';

/**
 * A 64 KiB x86 firmware that prints `0123456789\n` forever on COM1, each character once the UART is ready for it
 * (LSR bit 5), as a driver does: its serial output is known to the byte.
 */
function lineTypistFirmware(): Buffer {
  const image = Buffer.alloc(64 * 1024);
  // biome-ignore format: one instruction per row
  const code = [
    0xb3, 0x30,             // 0:  mov bl, '0'
    0xba, 0xfd, 0x03,       // 2:  mov dx, 0x3fd (line status)
    0xec,                   // 5:  in al, dx
    0xa8, 0x20,             // 6:  test al, 0x20 (transmitter empty)
    0x74, 0xf8,             // 8:  jz 2
    0xba, 0xf8, 0x03,       // 10: mov dx, 0x3f8 (data)
    0x88, 0xd8,             // 13: mov al, bl
    0x80, 0xfb, 0x3a,       // 15: cmp bl, '9' + 1
    0x75, 0x02,             // 18: jne 22
    0xb0, 0x0a,             // 20: mov al, '\n'
    0xee,                   // 22: out dx, al
    0xfe, 0xc3,             // 23: inc bl
    0x80, 0xfb, 0x3b,       // 25: cmp bl, '9' + 2
    0x74, 0xe2,             // 28: je 0
    0xeb, 0xe2,             // 30: jmp 2
  ];
  Buffer.from(code).copy(image, 0);
  // The reset vector (F000:FFF0): jmp far F000:0000, the start of the image.
  Buffer.from([0xea, 0x00, 0x00, 0x00, 0xf0]).copy(image, 0xfff0);
  return image;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('QEMU process (real QEMU, TCG)', () => {
  let dir: string;
  const started: QemuProcess[] = [];
  afterEach(async () => {
    for (const qemu of started.splice(0)) await qemu.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(signal?: AbortSignal): Promise<QemuProcess> {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
    const qemu = await execaQemuLauncher.start(idleMachine(dir), { binary: 'qemu-system-x86_64', signal });
    started.push(qemu);
    return qemu;
  }

  it('shutdown: ACPI power button with a deadline, then QMP quit when the guest ignores it', async () => {
    const qemu = await start();
    expect(isProcessAlive(qemu.pid)).toBe(true);
    const began = Date.now();
    const exit = await qemu.shutdown({ deadlineMs: 500 });
    expect(exit.exitCode).toBe(0);
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(isProcessAlive(qemu.pid)).toBe(false);
  });

  it('the aarch64 argv (virt, UEFI, CD on virtio-scsi, -cpu max) runs on real QEMU with EDK2 on our serial socket', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
    const cd = join(dir, 'empty.iso');
    await writeFile(cd, Buffer.alloc(1024 * 1024));
    const spec: MachineSpec = {
      ...idleMachine(dir),
      arch: 'aarch64',
      memoryMiB: 256,
      cdrom: cd,
      firmware: { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' },
      ports: [{ name: 'ssh', host: 0, guest: 22 }],
    };
    const qemu = await execaQemuLauncher.start(spec, { binary: 'qemu-system-aarch64' });
    started.push(qemu);
    await expect(qemu.console.expect(/UEFI firmware/, { timeoutMs: 20_000 })).resolves.toBe('UEFI firmware');
    await qemu.kill();
    await qemu.console.close();
    expect(await readFile(spec.serialLog, 'latin1')).toContain('UEFI firmware');
  });

  it('the serial log is exactly what the console received, even when the builder falls behind the guest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
    const bios = join(dir, 'print.bin');
    await writeFile(bios, lineTypistFirmware());
    const spec: MachineSpec = { ...idleMachine(dir), firmware: { type: 'uefi', code: bios } };
    const qemu = await execaQemuLauncher.start(spec, { binary: 'qemu-system-x86_64' });
    started.push(qemu);
    await qemu.console.expect('0123456789\n0123456789\n', { timeoutMs: 20_000 });
    // The builder busy (long synchronous steps) while the guest keeps printing, until well over a thousand lines
    // are in (a loaded machine's guest prints slower: it takes more pauses there).
    const lineBytes = '0123456789\n'.length;
    const deadline = Date.now() + 15_000;
    while ((await stat(spec.serialLog)).size < 2000 * lineBytes && Date.now() < deadline) {
      const until = Date.now() + 300;
      while (Date.now() < until) {}
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await qemu.kill();
    await qemu.console.close();
    const log = await readFile(spec.serialLog, 'latin1');
    const lines = log.split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines.filter((line) => line !== '0123456789')).toEqual([]);
  });

  it('kill ends QEMU with SIGKILL; qemu.log beside the serial log has its command line and its end', async () => {
    const qemu = await start();
    await expect(qemu.kill()).resolves.toMatchObject({ signal: 'SIGKILL' });
    expect(qemu.hasExited).toBe(true);
    const log = (await readFile(join(dir, 'qemu.log'), 'utf8')).split('\n');
    expect(log).toEqual([
      expect.stringMatching(/^# \S+ started$/),
      expect.stringMatching(/^qemu-system-x86_64 -nodefaults .* -serial chardev:serial0 /),
      expect.stringMatching(/^# \S+ exited \(SIGKILL\)$/),
      '',
    ]);
  });

  it('an abort signal kills QEMU', async () => {
    const controller = new AbortController();
    const qemu = await start(controller.signal);
    controller.abort();
    await expect(qemu.exited).resolves.toMatchObject({ signal: 'SIGKILL' });
  });

  it('a missing QEMU binary is TNB300', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
    await expect(
      execaQemuLauncher.start(idleMachine(dir), { binary: 'qemu-system-nowhere' }),
    ).rejects.toMatchObject({ code: 'TNB300' });
  });

  it('QEMU refusing its arguments is TNB302 with the command and its stderr', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
    const spec = { ...idleMachine(dir), disk: join(dir, 'missing.qcow2') };
    const error = await execaQemuLauncher
      .start(spec, { binary: 'qemu-system-x86_64' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB302', message: 'QEMU failed to start (exit 1)' });
    const details = (error as { details: string[] }).details;
    expect(details[0]).toMatch(/^command: qemu-system-x86_64 -nodefaults/);
    expect(details.join('\n')).toContain('missing.qcow2');
    expect(await readFile(join(dir, 'qemu.log'), 'utf8')).toMatch(
      /# \S+ exited \(exit 1\)\nstderr: .*missing\.qcow2/,
    );
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    'no QEMU is left running when the builder process gets %s',
    async (signal) => {
      dir = await mkdtemp(join(tmpdir(), 'tnbuild-qemu-'));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'helpers/start-qemu-and-wait.ts'), dir],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const pid = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) =>
          resolve((JSON.parse(chunk.toString()) as { pid: number }).pid),
        );
        child.once('exit', (code) => reject(new Error(`helper exited early (${code})`)));
      });
      expect(isProcessAlive(pid)).toBe(true);
      child.kill(signal);
      await new Promise((resolve) => child.once('exit', resolve));
      expect(await waitUntil(() => !isProcessAlive(pid), 5000)).toBe(true);
    },
  );
});
