import { TnbuildError } from '../errors/index.ts';
import { type SerialConsole, sleepFor } from './serial-console.ts';

/** Wait until the console shows `expect` (text after the previous match), or fail after `timeoutMs`. */
export interface ExpectStep {
  readonly expect: RegExp | string;
  readonly timeoutMs: number;
  /** Fail at once when one of these shows instead. */
  readonly failOn?: readonly RegExp[];
  /** Match the text as read, without escape sequences (an echo check in a full-screen editor). */
  readonly clean?: boolean;
}

/** Wait until the guest powers itself off (QEMU exits), or fail after `timeoutMs`. */
export interface ExitStep {
  readonly exit: true;
  readonly timeoutMs: number;
  readonly failOn?: readonly RegExp[];
}

/** Type `send` into the console; `\n` is Enter. */
export interface SendStep {
  readonly send: string;
  /** @default 0 */
  readonly perCharDelayMs?: number;
}

export interface SleepStep {
  readonly sleepMs: number;
}

/** One step of boot automation on the serial console, like Packer's boot_command but driven by what the guest prints. */
export type ConsoleStep = ExpectStep | SendStep | SleepStep | ExitStep;

/** Runs the steps in order against the console; a timeout is TNB303 with the console tail and the log path. */
export async function runConsoleSteps(
  console: SerialConsole,
  steps: readonly ConsoleStep[],
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  for (const step of steps) {
    if ('expect' in step) {
      await console.expect(step.expect, {
        timeoutMs: step.timeoutMs,
        failOn: step.failOn,
        clean: step.clean,
        signal: options.signal,
      });
    } else if ('exit' in step) {
      await console.expectExit({ timeoutMs: step.timeoutMs, failOn: step.failOn, signal: options.signal });
    } else if ('send' in step) {
      await console.send(step.send, { perCharDelayMs: step.perCharDelayMs, signal: options.signal });
    } else {
      await sleepFor(step.sleepMs, options.signal).catch((reason: unknown) => {
        throw reason instanceof TnbuildError
          ? reason
          : new TnbuildError('TNB306', 'the build was interrupted', { cause: reason });
      });
    }
  }
}

/** Steps as plain text for snapshots and `tnbuild plan`: `expect /boot:/ 30s`, `send "virt\n" (50 ms/char)`. */
export function describeConsoleSteps(steps: readonly ConsoleStep[]): string[] {
  return steps.map((step) => {
    const failOn =
      'failOn' in step && step.failOn?.length ? ` fail on ${step.failOn.map(String).join(', ')}` : '';
    if ('expect' in step) {
      const read = step.clean ? ' (as read)' : '';
      return `expect ${typeof step.expect === 'string' ? JSON.stringify(step.expect) : String(step.expect)}${read} within ${step.timeoutMs / 1000}s${failOn}`;
    }
    if ('exit' in step) return `wait for power off within ${step.timeoutMs / 1000}s${failOn}`;
    if ('send' in step)
      return `send ${JSON.stringify(step.send)}${step.perCharDelayMs ? ` (${step.perCharDelayMs} ms/char)` : ''}`;
    return `sleep ${step.sleepMs} ms`;
  });
}
