import { exitCodeFor, formatError, isTnbuildError } from '../errors/index.ts';
import type { Logger } from '../host/command-runner.ts';

/** Rich progress (listr2) only on an interactive terminal; plain lines a log can keep everywhere else. */
export function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
}

export function createConsoleLogger(verbose: boolean): Logger {
  return {
    info: (message) => console.log(message),
    warn: (message) => console.error(`warning: ${message}`),
    debug: (message) => {
      if (verbose) console.error(`debug: ${message}`);
    },
  };
}

/** The one top-level catch: user errors print without a stack (exit 2), build failures exit 1, bugs exit 3. */
export function reportError(error: unknown, verbose: boolean): number {
  if (isTnbuildError(error)) {
    console.error(formatError(error));
    if (verbose && error.cause instanceof Error) console.error(error.cause.stack);
    if (error.kind === 'internal') console.error(error.stack);
  } else {
    console.error(`error TNB900: internal error: ${error instanceof Error ? error.message : String(error)}`);
    console.error(error instanceof Error ? error.stack : '');
    console.error('hint: This is a bug in tnbuild; please report it with the output above.');
  }
  return exitCodeFor(error);
}
