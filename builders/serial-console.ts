import { createWriteStream, type WriteStream } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { TnbuildError } from '../errors/index.ts';
import { cleanConsoleText, describePattern, formatSeconds, tailLines } from './console-text.ts';

const KEEP_CHARS = 1 << 20;

export interface ExpectOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Fail at once (TNB308) when the console shows one of these: an installer's own failure message. */
  readonly failOn?: readonly RegExp[];
  /**
   * Match the text as a person reads it (escape sequences, carriage returns and line wraps removed): for an echo
   * that a full-screen editor interleaves with cursor moves and wraps. A match consumes everything received so far.
   */
  readonly clean?: boolean;
}

export interface SendOptions {
  /** Pause after each character: isolinux's `boot:` prompt loses characters typed all at once. */
  readonly perCharDelayMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with the abort reason. */
export function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function interruptedError(reason: unknown): TnbuildError {
  if (reason instanceof TnbuildError) return reason;
  return new TnbuildError('TNB306', 'the build was interrupted', { cause: reason });
}

/**
 * The guest's serial console over QEMU's unix socket: everything received is kept (the last 1 MiB) so `expect`
 * can match text that arrived before it was called; each match consumes the text up to its end.
 *
 * Every byte received is appended to the serial log, which is therefore exactly what the builder saw. (Not QEMU's
 * `logfile=`: when the socket is full, QEMU logs a character on each failed send and again when it goes through,
 * so a reader that falls behind gets a log with doubled characters — `ignore_logglevel` in a kernel command line.)
 */
export class SerialConsole {
  private text = '';
  private cursor = 0;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly log: WriteStream;
  private logError: Error | undefined;
  private readonly logClosed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    readonly logPath: string,
  ) {
    this.log = createWriteStream(logPath, { flags: 'a', mode: 0o600 });
    this.logClosed = new Promise((resolve) => this.log.once('close', resolve));
    this.log.on('error', (error) => {
      this.logError ??= error;
    });
    socket.on('data', (bytes: Buffer) => {
      this.log.write(bytes);
      const chunk = bytes.toString('latin1');
      this.text += chunk;
      if (this.text.length > KEEP_CHARS) {
        const drop = this.text.length - KEEP_CHARS;
        this.text = this.text.slice(drop);
        this.cursor = Math.max(0, this.cursor - drop);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.endLog();
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The last lines the guest printed, cleaned for a person to read. */
  tail(count = 20): string[] {
    return tailLines(this.text, count);
  }

  /** Console lines for an error's details: the tail, then where the full log is. */
  errorDetails(): string[] {
    const log = this.logError
      ? `serial log: ${this.logPath} (incomplete: ${this.logError.message})`
      : `serial log: ${this.logPath}`;
    return ['last console lines:', ...this.tail().map((line) => `│ ${line}`), log];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Waits until the console shows `pattern` after the previous match; TNB303 at the deadline. */
  expect(pattern: RegExp | string, options: ExpectOptions): Promise<string> {
    return this.waitFor(pattern, options);
  }

  /** Waits until QEMU exits (the guest powered itself off); TNB303 at the deadline, TNB308 on a failure marker. */
  async expectExit(options: Omit<ExpectOptions, 'clean'>): Promise<void> {
    await this.waitFor(undefined, options);
  }

  private waitFor(pattern: RegExp | string | undefined, options: ExpectOptions): Promise<string> {
    const { timeoutMs, signal, failOn = [], clean = false } = options;
    const what = pattern === undefined ? 'power off' : `print ${describePattern(pattern)}`;
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(check);
        outcome();
      };
      const check = (): void => {
        const raw = this.text.slice(this.cursor);
        // As read, a line an editor wrapped (GRUB ends it with `\`) is one line again.
        const pending = clean ? cleanConsoleText(raw).replace(/\\?\n/g, '') : raw;
        const failure = failOn.find((bad) => bad.test(pending));
        const found =
          pattern === undefined
            ? undefined
            : typeof pattern === 'string'
              ? matchString(pending, pattern)
              : matchRegExp(pending, pattern);
        if (failure !== undefined) {
          const message = `the installer reported a failure (console matched ${describePattern(failure)})`;
          finish(() => reject(new TnbuildError('TNB308', message, { details: this.errorDetails() })));
        } else if (found !== undefined) {
          this.cursor += clean ? raw.length : found.end;
          finish(() => resolve(found.text));
        } else if (this.closed && pattern === undefined) {
          this.cursor = this.text.length;
          finish(() => resolve(''));
        } else if (this.closed) {
          const message = `QEMU stopped while waiting for ${describePattern(pattern!)} on the console`;
          finish(() => reject(new TnbuildError('TNB302', message, { details: this.errorDetails() })));
        }
      };
      const onAbort = (): void => finish(() => reject(interruptedError(signal?.reason)));
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new TnbuildError('TNB303', `the guest did not ${what} within ${formatSeconds(timeoutMs)}`, {
                details: this.errorDetails(),
              }),
            ),
          ),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  /** Types `text` into the console, paced per character when asked. */
  async send(text: string, options: SendOptions = {}): Promise<void> {
    const delay = options.perCharDelayMs ?? 0;
    if (delay <= 0) return this.write(text);
    for (const char of text) {
      await this.write(char);
      await sleepFor(delay, options.signal).catch((reason: unknown) => {
        throw interruptedError(reason);
      });
    }
  }

  private write(text: string): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new TnbuildError('TNB302', 'QEMU stopped while the builder was typing on the console', {
          details: this.errorDetails(),
        }),
      );
    }
    return new Promise((resolve, reject) =>
      this.socket.write(text, 'latin1', (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Disconnects; resolves once the serial log holds everything received. */
  async close(): Promise<void> {
    this.socket.destroy();
    this.endLog();
    await this.logClosed;
  }

  private endLog(): void {
    if (!this.log.writableEnded) this.log.end();
  }
}

function matchString(text: string, needle: string): { text: string; end: number } | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : { text: needle, end: at + needle.length };
}

function matchRegExp(text: string, pattern: RegExp): { text: string; end: number } | undefined {
  const flags = pattern.flags.replace(/[gy]/g, '');
  const match = new RegExp(pattern.source, flags).exec(text);
  return match === null ? undefined : { text: match[0], end: match.index + match[0].length };
}

/** Connects to QEMU's serial socket, retrying until QEMU has created it. */
export async function connectSerialConsole(
  socketPath: string,
  logPath: string,
  options: { timeoutMs?: number; signal?: AbortSignal; stopped?: () => boolean } = {},
): Promise<SerialConsole> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const attempt = connect(socketPath);
        attempt.once('connect', () => resolve(attempt));
        attempt.once('error', reject);
      });
      return new SerialConsole(socket, logPath);
    } catch (error) {
      if (options.stopped?.())
        throw new TnbuildError('TNB302', 'QEMU stopped before its serial console was reachable', {
          cause: error,
        });
      if (Date.now() > deadline) {
        throw new TnbuildError('TNB302', `could not connect to QEMU's serial console at ${socketPath}`, {
          cause: error,
        });
      }
      await sleepFor(50, options.signal).catch((reason: unknown) => {
        throw interruptedError(reason);
      });
    }
  }
}
