import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import type { BuildStage } from './build-events.ts';
import type { QemuExit } from './qemu-process.ts';

export interface FailureContext {
  readonly stage: BuildStage | undefined;
  readonly exit: QemuExit | undefined;
  readonly aborted: boolean;
  readonly serialLogPath: string;
  readonly diskBytes: number;
  /** Set when the scratch folder was kept for debugging. */
  readonly keptScratch: string | undefined;
}

function describeExit(exit: QemuExit): string {
  if (exit.signal !== undefined) return `QEMU was killed (${exit.signal})`;
  return `QEMU exited with code ${exit.exitCode ?? '?'}`;
}

/**
 * Turns whatever a build step threw into the error the user sees: the stage it happened in, how QEMU ended, the
 * console tail and the serial log path, and where a kept scratch disk is.
 */
export function explainBuildFailure(error: unknown, context: FailureContext): TnbuildError {
  const during = context.stage === undefined ? '' : ` during ${context.stage}`;
  const base = isTnbuildError(error)
    ? error
    : new TnbuildError(
        'TNB900',
        `unexpected failure${during}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
  const details = [...base.details];
  if (!details.some((line) => line.startsWith('serial log:')))
    details.push(`serial log: ${context.serialLogPath}`);
  if (context.keptScratch !== undefined)
    details.push(`scratch disk kept in ${context.keptScratch} (onError: keep)`);
  const consoleText = details.join('\n');

  if (context.aborted) {
    return new TnbuildError('TNB306', `the build was interrupted${during}; QEMU was stopped`, {
      details,
      cause: error,
    });
  }
  if (base.code === 'TNB308' && /No space left on device/.test(consoleText)) {
    const mib = Math.floor(context.diskBytes / 1024 ** 2);
    return new TnbuildError('TNB307', `the install ran out of disk space: the ${mib} MiB disk is too small`, {
      details,
      cause: error,
    });
  }
  if (base.code === 'TNB302' && context.exit !== undefined) {
    const stderr = context.exit.stderrTail.map((line) => `qemu: ${line}`);
    return new TnbuildError('TNB302', `${describeExit(context.exit)}${during}: ${base.message}`, {
      details: [...stderr, ...details],
      cause: error,
    });
  }
  return new TnbuildError(
    base.code,
    `${base.message}${during && !base.message.includes(during) ? ` (${context.stage})` : ''}`,
    {
      details,
      cause: error,
      hint: base.hint,
    },
  );
}
