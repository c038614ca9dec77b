import type { ExecResult } from './ssh-session.ts';

/** The last lines of a command's output, for an error message. */
export function tailOf(text: string, lines = 15): string[] {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).filter((line) => line.length > 0);
}

/** A plain error for a remote command that exited non-zero: what ran, the exit code, the output's tail. */
export class RemoteCommandError extends Error {
  constructor(
    readonly what: string,
    readonly result: ExecResult,
  ) {
    super(`${what} failed (exit ${result.exitCode})`);
  }

  /** Lines for TnbuildError details: the command and the output tail. */
  get details(): string[] {
    const output = tailOf(this.result.stderr || this.result.stdout);
    return [`command: ${truncate(this.result.command, 300)}`, ...output.map((line) => `| ${line}`)];
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
