import { exitCodeFor, formatError, isTnbuildError } from '../errors/index.ts';
import type { Logger } from '../host/command-runner.ts';
import { hasSecrets, redactSecrets } from '../host/secret-values.ts';

/**
 * The console is a sink like any log: every write to stdout and stderr (console.log, listr2's frames, error
 * reports) passes through redactSecrets once a recipe has declared secrets. Installed once, at start-up.
 */
export function redactConsoleOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (!hasSecrets()) return write(chunk, ...rest);
      if (typeof chunk === 'string') return write(redactSecrets(chunk), ...rest);
      if (chunk instanceof Uint8Array) {
        return write(Buffer.from(redactSecrets(Buffer.from(chunk).toString('utf8'))), ...rest);
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

/** What a command prints: lines for people, or one JSON document (`--json`; its shape is documented). */
export type CommandOutput = readonly string[] | { readonly json: unknown };

/** A `--json` document: `format` changes only when a field changes meaning. */
export function jsonOutput(body: Record<string, unknown>): { readonly json: unknown } {
  return { json: { format: 1, ...body } };
}

/** Rich progress (listr2) only on an interactive terminal; plain lines a log can keep everywhere else. */
export function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
}

export function createConsoleLogger(verbose: boolean, json = false): Logger {
  return {
    // With --json, stdout carries only JSON: messages for people go to stderr.
    info: (message) => (json ? console.error(message) : console.log(message)),
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
