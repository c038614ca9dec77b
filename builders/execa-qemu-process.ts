import { appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { TnbuildError } from '../errors/index.ts';
import { silentLogger } from '../host/command-runner.ts';
import { redactSecrets } from '../host/secret-values.ts';
import { commandBoundToParent, isExecFailure } from './bind-to-parent.ts';
import { buildQemuArgs } from './build-qemu-args.ts';
import type { MachineSpec } from './machine-spec.ts';
import type { QemuExit, QemuLauncher, QemuProcess, StartQemuOptions } from './qemu-process.ts';
import { QmpClient } from './qmp-client.ts';
import { connectSerialConsole, type SerialConsole } from './serial-console.ts';
import { waitAtMost } from './wait-at-most.ts';

function stderrLinesOf(stderr: unknown): string[] {
  return (
    String(stderr ?? '')
      .trimEnd()
      .split('\n')
      // QEMU's note that it waits for the serial client is expected, not a symptom.
      .filter((line) => line && !line.includes('info: QEMU waiting for connection'))
  );
}

const QEMU_OPTIONS = { stdin: 'ignore', reject: false, cleanup: true, buffer: true } as const;
type QemuChild = ResultPromise<typeof QEMU_OPTIONS>;

class ExecaQemuProcess implements QemuProcess {
  hasExited = false;
  /** Set when the binary could not be run at all (missing, not executable). */
  spawnError: string | undefined;
  readonly exited: Promise<QemuExit>;
  console!: SerialConsole;

  constructor(
    private readonly child: QemuChild,
    private readonly qmpSocket: string,
    qemuLog: string,
  ) {
    this.exited = child.then(async (result) => {
      this.hasExited = true;
      if (result.failed && result.exitCode === undefined && result.signal === undefined) {
        this.spawnError = result.shortMessage;
      }
      const stderr = stderrLinesOf(result.stderr);
      const exit = {
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        ...(result.signal === undefined ? {} : { signal: result.signal }),
        stderrTail: stderr.slice(-20),
      };
      await logQemu(
        qemuLog,
        `exited (${exit.signal ?? `exit ${exit.exitCode}`})`,
        stderr.map((line) => `stderr: ${line}`),
      );
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async shutdown(options: { deadlineMs?: number } = {}): Promise<QemuExit> {
    if (this.hasExited) return this.exited;
    const qmp = await QmpClient.connect(this.qmpSocket, 2000).catch(() => undefined);
    try {
      if (qmp !== undefined) {
        await qmp.execute('system_powerdown').catch(() => undefined);
        const exit = await waitAtMost(this.exited, options.deadlineMs ?? 60_000);
        if (exit !== undefined) return exit;
        await qmp.execute('quit').catch(() => undefined);
        const quit = await waitAtMost(this.exited, 5000);
        if (quit !== undefined) return quit;
      }
    } finally {
      qmp?.close();
    }
    return this.kill();
  }

  async kill(): Promise<QemuExit> {
    if (!this.hasExited) this.child.kill('SIGKILL');
    return this.exited;
  }
}

async function confirmRunning(qemu: ExecaQemuProcess, qmpSocket: string): Promise<void> {
  const exited = qemu.exited.then(() => {
    throw new Error('QEMU exited during start-up');
  });
  const connecting = QmpClient.connect(qmpSocket);
  // Whichever loses the race must not surface later as an unhandled rejection.
  exited.catch(() => {});
  connecting.then((late) => qemu.hasExited && late.close()).catch(() => {});
  const qmp = await Promise.race([connecting, exited]);
  try {
    await Promise.race([qmp.execute('query-status'), exited]);
  } finally {
    qmp.close();
  }
}

/**
 * `qemu.log` beside the serial log, appended per QEMU run: its command line when it starts, how it ended and all it
 * wrote to stderr. A failed build keeps it whatever onError says; its error names the serial log's folder.
 */
async function logQemu(path: string, event: string, lines: readonly string[]): Promise<void> {
  const text = [`# ${new Date().toISOString()} ${event}`, ...lines, ''].join('\n');
  await appendFile(path, redactSecrets(text), { mode: 0o600 }).catch(() => undefined);
}

/**
 * Starts QEMU with execa. It dies with this process (execa's cleanup on exit and signals; on Linux also the kernel's
 * parent-death signal, so even a SIGKILLed builder leaves nothing running), on abort, and when start fails.
 */
export const execaQemuLauncher: QemuLauncher = {
  async start(spec: MachineSpec, options: StartQemuOptions): Promise<QemuProcess> {
    const logger = options.logger ?? silentLogger;
    const args = buildQemuArgs(spec);
    logger.debug(`starting ${options.binary} ${args.join(' ')}`);
    if (options.signal?.aborted)
      throw new TnbuildError('TNB306', 'the build was interrupted before QEMU started');
    const qemuLog = join(dirname(spec.serialLog), 'qemu.log');
    await logQemu(qemuLog, 'started', [[options.binary, ...args].join(' ')]);
    const [file, argv] = commandBoundToParent(options.binary, args);
    const child = execa(file, argv, QEMU_OPTIONS);
    const qemu = new ExecaQemuProcess(child, spec.qmpSocket, qemuLog);
    const onAbort = (): void => void qemu.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void qemu.exited.then(() => options.signal?.removeEventListener('abort', onAbort));
    try {
      qemu.console = await connectSerialConsole(spec.serialSocket, spec.serialLog, {
        signal: options.signal,
        stopped: () => qemu.hasExited,
      });
      // QEMU opens disks only after the serial client connected; a QMP answer proves the machine came up.
      await confirmRunning(qemu, spec.qmpSocket);
    } catch (error) {
      await qemu.kill();
      const exit = await qemu.exited;
      if (qemu.spawnError !== undefined || isExecFailure(exit.exitCode, exit.stderrTail)) {
        const why = qemu.spawnError ?? exit.stderrTail.join(' ');
        throw new TnbuildError('TNB300', `${options.binary} could not be started: ${why}`, { cause: error });
      }
      if (error instanceof TnbuildError && error.code === 'TNB306') throw error;
      throw new TnbuildError('TNB302', `QEMU failed to start (${exit.signal ?? `exit ${exit.exitCode}`})`, {
        cause: error,
        details: [`command: ${options.binary} ${args.join(' ')}`, ...exit.stderrTail],
      });
    }
    logger.debug(`QEMU running as pid ${qemu.pid}`);
    return qemu;
  },
};
