import { accessSync, constants } from 'node:fs';

function findSetpriv(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const path of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

const setpriv = findSetpriv();

/**
 * The command to spawn so the child dies with this process even when it is SIGKILLed (where execa's exit hook never
 * runs): on Linux, util-linux `setpriv --pdeathsig KILL` sets the parent-death signal, kept across exec. Elsewhere the
 * command is unchanged.
 */
export function commandBoundToParent(binary: string, args: readonly string[]): [string, string[]] {
  if (setpriv === undefined) return [binary, [...args]];
  return [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]];
}

/** setpriv's own exit when it could not exec the program (missing binary): 127 and this message. */
export function isExecFailure(exitCode: number | undefined, stderrTail: readonly string[]): boolean {
  return exitCode === 127 && stderrTail.some((line) => line.includes('failed to execute'));
}
