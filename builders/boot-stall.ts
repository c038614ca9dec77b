import { createReadStream, createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isTnbuildError, type TnbuildError } from '../errors/index.ts';
import { redactFileInPlace } from '../host/secret-values.ts';
import { formatSeconds } from './console-text.ts';
import { type GuestStateOptions, inspectGuestState } from './guest-state.ts';

/** How long a console may stay silent on a guest that takes no TCP before its boot counts as stalled. */
export const DEFAULT_BOOT_STALL_MS = 180_000;

/** The hint of a machine that stalled on its second boot too; `folder` holds both boots' consoles. */
export function stalledTwiceHint(folder = 'the log folder'): string {
  return `Read boot-1-serial.log and serial.log in ${folder}: where each boot's console stopped is the guest's fault to fix. On a host this busy, a larger TNBUILD_BOOT_STALL gives a slow boot more time.`;
}

/** How far a log has grown, 0 when there is none yet: where the next boot's console begins in a log QEMU appends to. */
export function logSize(path: string): Promise<number> {
  return stat(path).then(
    (stats) => stats.size,
    () => 0,
  );
}

export interface BootStallOptions extends GuestStateOptions {
  /** The serial log QEMU appends the guest's console to. */
  readonly serialLog: string;
  /** A console silent this long, on a guest that takes no TCP on the SSH port, is a stalled boot. */
  readonly quietMs: number;
  /** The log's size before this boot (QEMU appends to it). @default 0 */
  readonly startSize?: number;
  /** How often the log's size is looked at. @default 2000 */
  readonly pollMs?: number;
}

export interface BootStall {
  /** One line: how long the console was silent, and that the guest took no TCP. */
  readonly reason: string;
  /** What QEMU said of the guest (`inspectGuestState`). */
  readonly guestState: readonly string[];
}

export interface BootStallWatch {
  /** The stall once it is seen; undefined while the boot still moves. */
  stalled(): BootStall | undefined;
  stop(): void;
}

/**
 * Watches a booting guest for the one state that never ends by itself: its console printed something, then nothing
 * for `quietMs`, and a connection through the SSH forward gets no TCP answer (QEMU's user-mode network: SYN_SENT).
 * A slow boot keeps printing (kernel lines, systemd's job spinner, OpenRC's services); a guest that reached its login
 * prompt with sshd down refuses TCP, and one with sshd stuck accepts it — neither is a stall. A console that never
 * printed anything is never judged: a guest may write its console to the screen only.
 */
export function watchBootStall(options: BootStallOptions): BootStallWatch {
  const startSize = options.startSize ?? 0;
  let lastSize = startSize;
  let lastChange = Date.now();
  let checking = false;
  let stall: BootStall | undefined;

  const poll = async (): Promise<void> => {
    const size = await logSize(options.serialLog);
    if (size !== lastSize) {
      lastSize = size;
      lastChange = Date.now();
    }
    const quiet = Date.now() - lastChange;
    if (size <= startSize || quiet < options.quietMs || checking || stall) return;
    checking = true;
    const quietSince = lastChange;
    const state = await inspectGuestState(options);
    checking = false;
    // The console moved while QEMU was asked: the boot goes on.
    if (state.unreachable && lastChange === quietSince) {
      stall = {
        reason: `the guest's console printed nothing for ${formatSeconds(quiet)} and it takes no TCP on port ${options.guestPort}`,
        guestState: state.lines,
      };
    } else {
      // It answers TCP, or QEMU could not say: the SSH wait's own deadline decides. Asked again after another
      // quiet spell.
      lastChange = Date.now();
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), options.pollMs ?? 2000);
  timer.unref();
  return {
    stalled: () => stall,
    stop: () => clearInterval(timer),
  };
}

/**
 * A stalled boot's console (secrets redacted) and what QEMU said of it, kept in `logDir` as `boot-<n>-serial.log` and
 * `boot-<n>-guest-state.txt` before the machine is booted again. `fromByte` is where that boot's console begins in
 * a log several boots append to. Returns the names it wrote.
 */
export async function keepStalledBoot(
  logDir: string,
  serialLog: string,
  attempt: number,
  stall: BootStall,
  fromByte = 0,
): Promise<string[]> {
  const serial = `boot-${attempt}-serial.log`;
  const state = `boot-${attempt}-guest-state.txt`;
  const kept: string[] = [];
  const wrote = (write: Promise<unknown>): Promise<boolean> =>
    write.then(
      () => true,
      () => false,
    );
  // Only the owner reads a console, as the log it comes from.
  const copied = pipeline(
    createReadStream(serialLog, { start: fromByte }),
    createWriteStream(join(logDir, serial), { mode: 0o600 }),
  );
  if (await wrote(copied)) {
    await redactFileInPlace(join(logDir, serial));
    kept.push(serial);
  }
  const lines = [stall.reason, ...stall.guestState];
  if (await wrote(writeFile(join(logDir, state), `${lines.join('\n')}\n`))) kept.push(state);
  return kept;
}

/** For `waitForSsh`'s `stopped`: why the wait ends once `watch` saw a stall, on the first boot or the one after it. */
export function stallReason(watch: BootStallWatch | undefined, bootedAgain: boolean): string | undefined {
  const stall = watch?.stalled();
  return (
    stall &&
    `the boot stalled: ${stall.reason}${bootedAgain ? ' (booted again after the first boot stalled)' : ''}`
  );
}

/** The stall an SSH wait ended on (its TNB400 from `stallReason`); undefined when it ended otherwise. */
export function endedOnStall(
  error: unknown,
  watch: BootStallWatch | undefined,
): { error: TnbuildError; stall: BootStall } | undefined {
  const stall = watch?.stalled();
  return isTnbuildError(error) && error.code === 'TNB400' && stall !== undefined
    ? { error, stall }
    : undefined;
}
