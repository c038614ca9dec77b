import { redactSecrets } from '../host/secret-values.ts';
import type { ErrorCode } from './catalogue.ts';
import { errorCatalogue } from './catalogue.ts';

/** Where in a recipe (or other input) an error points: `recipes/node.ts › network.ula`. */
export interface ErrorLocation {
  readonly file?: string;
  readonly field?: string;
  readonly line?: number;
}

export interface TnbuildErrorOptions extends ErrorLocation {
  /** Overrides the catalogue hint for this occurrence. */
  readonly hint?: string;
  readonly cause?: unknown;
  /** Extra lines shown under the message (a console tail, a list of issues). */
  readonly details?: readonly string[];
}

/**
 * The one error type tnbuild throws on purpose. `code` is permanent (see catalogue.ts); `kind` decides the exit
 * code and whether a stack is printed.
 */
export class TnbuildError extends Error {
  override readonly name = 'TnbuildError';
  readonly code: ErrorCode;
  readonly kind: 'user' | 'build' | 'internal';
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly line: number | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: TnbuildErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorCatalogue[code];
    this.code = code;
    this.kind = entry.kind;
    this.hint = options.hint ?? entry.hint;
    this.file = options.file;
    this.field = options.field;
    this.line = options.line;
    this.details = options.details ?? [];
  }

  /** A copy that also says where it happened; the step runner uses this so steps can throw plainly. */
  withLocation(location: ErrorLocation): TnbuildError {
    return this.copy({
      file: this.file ?? location.file,
      field: this.field ?? location.field,
      line: this.line ?? location.line,
    });
  }

  /** A copy with more detail lines after its own (what a caller learned about the failure: logs, a console tail). */
  withDetails(extra: readonly string[]): TnbuildError {
    return this.copy({ details: [...this.details, ...extra] });
  }

  /** A copy whose hint says what to do in the case the caller knows it to be. */
  withHint(hint: string): TnbuildError {
    return this.copy({ hint });
  }

  private copy(overrides: TnbuildErrorOptions): TnbuildError {
    return new TnbuildError(this.code, this.message, {
      file: this.file,
      field: this.field,
      line: this.line,
      hint: this.hint,
      cause: this.cause,
      details: this.details,
      ...overrides,
    });
  }
}

export function isTnbuildError(error: unknown): error is TnbuildError {
  return error instanceof TnbuildError;
}

/** Exit codes: 0 ok, 1 build failure, 2 bad input or usage, 3 internal bug. */
export function exitCodeFor(error: unknown): number {
  if (!isTnbuildError(error)) return 3;
  if (error.kind === 'user') return 2;
  if (error.kind === 'build') return 1;
  return 3;
}

/** `recipes/node.ts › network.ula: message` — the one place that formats a location. */
export function formatLocation(location: ErrorLocation): string {
  const file =
    location.file === undefined
      ? ''
      : location.line === undefined
        ? location.file
        : `${location.file}:${location.line}`;
  if (file && location.field) return `${file} › ${location.field}`;
  return file || location.field || '';
}

export function formatError(error: TnbuildError): string {
  const where = formatLocation(error);
  const lines = [`error ${error.code}: ${where ? `${where}: ` : ''}${error.message}`];
  for (const detail of error.details) lines.push(`  ${detail}`);
  if (error.hint) lines.push(`hint: ${error.hint}`);
  // Error text often quotes command output, which may hold a recipe's secret.
  return redactSecrets(lines.join('\n'));
}
