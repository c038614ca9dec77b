import { TnbuildError } from '../errors/index.ts';

interface FinishedCommand {
  readonly failed: boolean;
  readonly exitCode?: number;
  readonly escapedCommand: string;
  readonly stderr?: unknown;
}

/** Throws what the CommandRunner would for a streamed execa run: TNB300 tool missing, TNB304 with the stderr tail. */
export function throwIfCommandFailed(binary: string, result: FinishedCommand): void {
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new TnbuildError('TNB300', `${binary} is not installed (or not on PATH)`);
  }
  if (result.failed) {
    throw new TnbuildError(
      'TNB304',
      `${result.escapedCommand} exited with ${result.exitCode ?? 'a signal'}`,
      {
        details: String(result.stderr ?? '')
          .trimEnd()
          .split('\n')
          .slice(-20),
      },
    );
  }
}
