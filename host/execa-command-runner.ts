import { execa } from 'execa';
import { TnbuildError } from '../errors/index.ts';
import type { CommandResult, CommandRunner, RunOptions } from './command-runner.ts';

const TAIL_LINES = 20;

function tail(text: string): string[] {
  return text.trimEnd().split('\n').slice(-TAIL_LINES);
}

/** CommandRunner on execa. A failure names the whole command, its exit code and the tail of its stderr. */
export const execaCommandRunner: CommandRunner = {
  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    let result: Awaited<ReturnType<typeof execa>>;
    try {
      result = await execa(file, args, {
        cwd: options.cwd,
        env: options.env,
        input: options.input,
        timeout: options.timeout,
        cancelSignal: options.signal,
        reject: false,
        stripFinalNewline: false,
      });
    } catch (error) {
      throw new TnbuildError('TNB304', `could not run ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const outcome: CommandResult = {
      command: result.escapedCommand,
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
    };
    if (result.failed && result.exitCode === undefined && (result as { code?: string }).code === 'ENOENT') {
      throw new TnbuildError('TNB300', `${file} is not installed (or not on PATH)`);
    }
    if (result.timedOut) {
      throw new TnbuildError('TNB304', `${outcome.command} timed out after ${options.timeout} ms`, {
        details: tail(outcome.stderr),
      });
    }
    if (outcome.exitCode !== 0 && options.reject !== false) {
      throw new TnbuildError('TNB304', `${outcome.command} exited with ${outcome.exitCode}`, {
        details: tail(outcome.stderr || outcome.stdout),
      });
    }
    return outcome;
  },
};
