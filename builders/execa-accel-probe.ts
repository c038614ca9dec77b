import { execa } from 'execa';
import type { AccelProbe, AccelProbeResult } from './accel-probe.ts';
import { commandBoundToParent } from './bind-to-parent.ts';

function tailOf(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Runs QEMU with the serial console on stdout; kills it as soon as the proof shows, or at the deadline. */
export const execaAccelProbe: AccelProbe = {
  async probe(binary, args, timeoutMs, proof): Promise<AccelProbeResult> {
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
        if (proof.test(stdout)) resolve(true);
      });
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void child.finally(() => {
        clearTimeout(timer);
        resolve(proof.test(stdout));
      });
    });
    const ok = await spoke;
    const elapsedMs = Date.now() - started;
    child.kill('SIGKILL');
    const result = await child;
    if (ok) return { ok, elapsedMs };
    const stderr = String(result.stderr ?? '');
    // What the guest did print says how far it got (the x86 probe marks each CPU mode it reached).
    const seen = stdout.trim() ? `; its console showed ${JSON.stringify(tailOf(stdout).slice(-80))}` : '';
    const reason =
      elapsedMs >= timeoutMs
        ? `the probe guest did not print ${proof} within ${timeoutMs} ms${seen}`
        : `QEMU exited (${result.signal ?? `code ${result.exitCode}`}) before the probe guest printed ${proof}${seen}${stderr ? `: ${tailOf(stderr)}` : ''}`;
    return { ok, elapsedMs, reason };
  },
};
