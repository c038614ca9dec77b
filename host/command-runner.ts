/** Runs host programs. Steps get one passed in so tests can observe or replace it. */
export interface CommandRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string | Buffer;
  /** Milliseconds; the command is killed after it. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** Resolve instead of throwing on a non-zero exit. */
  readonly reject?: boolean;
}

export interface CommandResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Messages for a person; a step never writes to stdout itself. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
