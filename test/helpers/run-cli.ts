import { join } from 'node:path';
import { execa } from 'execa';
import { REPO } from './recipe-project.ts';

export interface CliResult {
  readonly exitCode: number;
  /** stdout and stderr, interleaved as a terminal shows them. */
  readonly out: string;
}

/**
 * bin/tnbuild.js as a user runs it, with this environment and these flags after the command's own arguments (before
 * a `--`: what follows it is the command `vm ssh` runs in the guest). Never throws on a non-zero exit.
 */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  flags: readonly string[],
): Promise<CliResult> {
  const split = args.indexOf('--');
  const argv = split < 0 ? [...args, ...flags] : [...args.slice(0, split), ...flags, ...args.slice(split)];
  const result = await execa(join(REPO, 'bin/tnbuild.js'), argv, {
    cwd: REPO,
    env,
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, out: String(result.all ?? '') };
}

/** The environment of a CLI run that keeps everything (HOME, ~/vms, the download cache) under `work`. */
export function isolatedEnv(
  work: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const home = join(work, 'home');
  return {
    HOME: home,
    CI: 'true',
    TNBUILD_CACHE: join(work, 'cache'),
    TNBUILD_VMS_DIR: join(home, 'vms'),
    ...extra,
  };
}

/** Runs `ssh` until it stops exiting 255 (the guest is still booting; any other code is the command's own). */
export async function whenBooted(ssh: () => Promise<CliResult>): Promise<CliResult> {
  let result: CliResult = { exitCode: 255, out: '' };
  for (let attempt = 0; attempt < 120 && result.exitCode === 255; attempt++) {
    result = await ssh();
    if (result.exitCode === 255) await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  return result;
}
