import { afterEach, describe, expect, it } from 'vitest';
import { describeConsoleSteps, runConsoleSteps } from '../../builders/console-steps.ts';
import { type FakeSerial, startFakeSerial } from './helpers/fake-serial.ts';

describe('serial console automation', () => {
  let serial: FakeSerial | undefined;
  afterEach(async () => {
    await serial?.close();
    serial = undefined;
  });

  it('expects strings and patterns in order, each match consuming the text before it', async () => {
    serial = await startFakeSerial();
    serial.guest.write('ISOLINUX 6.04\r\nboot: ');
    await expect(serial.console.expect('boot:', { timeoutMs: 1000 })).resolves.toBe('boot:');
    const later = serial.console.expect(/login: $/, { timeoutMs: 1000 });
    serial.guest.write('\x1b[0mWelcome\r\nalpine login: ');
    await expect(later).resolves.toBe('login: ');
    // `boot:` was consumed; it does not match again.
    await expect(serial.console.expect('boot:', { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TNB303',
    });
  });

  it('a timeout is TNB303 with the last console lines (escape codes stripped) and the serial log path', async () => {
    serial = await startFakeSerial();
    serial.guest.write(Array.from({ length: 30 }, (_, i) => `\x1b[1mline ${i}\x1b[0m\r\n`).join(''));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await serial.console.expect('never', { timeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB303', message: 'the guest did not print "never" within 0.2 s' });
    const details = (error as { details: string[] }).details;
    expect(details[0]).toBe('last console lines:');
    expect(details.slice(1, -1)).toEqual(Array.from({ length: 20 }, (_, i) => `│ line ${i + 10}`));
    expect(details.at(-1)).toBe(`serial log: ${serial.console.logPath}`);
  });

  it('as read, an echo that a full-screen editor redraws and wraps still matches (GRUB’s editor, recorded)', async () => {
    serial = await startFakeSerial();
    const waiting = serial.console.expect('answers=http://10.0.2.2:1234/a', { timeoutMs: 2000, clean: true });
    // What GRUB 2.06 sent while ` answers=http://10.0.2.2:1234/a` was typed at the end of a long linux line.
    serial.guest.write(
      '\x1b[?25l\x1b[7;3H  linux /live/vmlinuz console=ttyS0 onfail=poweroff answers=http://10.0.2.2 \x1b[7;78H' +
        '\x1b[?25h\x1b[?25l\x1b[7;3H  linux /live/vmlinuz console=ttyS0 onfail=poweroff answers=http://10.0.2.2\\\n\r' +
        '\x1b[8;3H:1234/a                                                                     \x1b[8;10H\x1b[?25h',
    );
    await expect(waiting).resolves.toBe('answers=http://10.0.2.2:1234/a');
  });

  it('fails at once (TNB308) when the console shows an installer failure', async () => {
    serial = await startFakeSerial();
    const waiting = serial.console.expect('tnb-install: done', {
      timeoutMs: 5000,
      failOn: [/tnb-install: failed during/],
    });
    serial.guest.write(
      'tar: write error: No space left on device\ntnb-install: failed during unpack (exit 2)\n',
    );
    await expect(waiting).rejects.toMatchObject({
      code: 'TNB308',
      details: expect.arrayContaining(['│ tnb-install: failed during unpack (exit 2)']),
    });
  });

  it('QEMU going away (socket closed) ends a wait with TNB302', async () => {
    serial = await startFakeSerial();
    const waiting = serial.console.expect('login:', { timeoutMs: 5000 });
    serial.guest.end('Kernel panic\n');
    await expect(waiting).rejects.toMatchObject({ code: 'TNB302' });
  });

  it('an abort ends a wait with TNB306', async () => {
    serial = await startFakeSerial();
    const controller = new AbortController();
    const waiting = serial.console.expect('login:', { timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'TNB306' });
  });

  it('runs expect/send/sleep steps, typing paced characters', async () => {
    serial = await startFakeSerial();
    serial.guest.write('boot: ');
    const started = Date.now();
    const steps = [
      { expect: 'boot:', timeoutMs: 1000 },
      { send: 'install x', perCharDelayMs: 20 },
      { sleepMs: 50 },
      { send: '\r' },
    ];
    await runConsoleSteps(serial.console, steps);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 20 + 50);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(serial.typed()).toBe('install x\r');
    expect(describeConsoleSteps(steps)).toEqual([
      'expect "boot:" within 1s',
      'send "install x" (20 ms/char)',
      'sleep 50 ms',
      'send "\\r"',
    ]);
  });
});
