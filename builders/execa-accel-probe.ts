import { execa } from 'execa';
import type { AccelProbe, AccelProbeResult } from './accel-probe.ts';
import { commandBoundToParent } from './bind-to-parent.ts';

// Any word on the serial console proves the guest executed code (SeaBIOS and EDK2 both print a banner).
const GUEST_SPOKE = /[A-Za-z]{4}/;

function tailOf(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Runs QEMU with the serial console on stdout; kills it as soon as the firmware speaks, or at the deadline. */
export const execaAccelProbe: AccelProbe = {
  async probe(binary, args, timeoutMs): Promise<AccelProbeResult> {
    const started = Date.now();
    // Bound to this process: a probe must not outlive a killed builder either.
    const [file, argv] = commandBoundToParent(binary, args);
    const child = execa(file, argv, {
      reject: false,
      stdin: 'ignore',
      buffer: true,
      forceKillAfterDelay: 1000,
    });
    let stdout = '';
    const spoke = new Promise<boolean>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (GUEST_SPOKE.test(stdout)) resolve(true);
      });
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void child.finally(() => {
        clearTimeout(timer);
        resolve(GUEST_SPOKE.test(stdout));
      });
    });
    const ok = await spoke;
    const elapsedMs = Date.now() - started;
    child.kill('SIGKILL');
    const result = await child;
    if (ok) return { ok, elapsedMs };
    const stderr = String(result.stderr ?? '');
    const reason =
      elapsedMs >= timeoutMs
        ? `no firmware output within ${timeoutMs} ms`
        : `QEMU exited (${result.signal ?? `code ${result.exitCode}`}) before the firmware printed anything${stderr ? `: ${tailOf(stderr)}` : ''}`;
    return { ok, elapsedMs, reason };
  },
};
