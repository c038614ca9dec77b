import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { guestFixtureFolder } from './guest-fixture.ts';

const REPO = join(import.meta.dirname, '..');

export interface BenchRun {
  readonly ok: boolean;
  readonly ms: number;
  readonly out: string;
}

/**
 * The CLI as a user runs it on the offline Debian guest's recipes (test/e2e/recipes), with HOME, ~/vms, the
 * download cache and the template store in a folder of the bench's own under ~/.cache (kept between runs).
 */
export function benchCli(name: string, arch: 'x86_64' | 'aarch64' = 'x86_64') {
  const root = join(process.env.TNBUILD_TEST_CACHE ?? join(homedir(), '.cache'), name);
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const env = {
    ...process.env,
    HOME: home,
    CI: 'true',
    TNBUILD_E2E_GUEST: guestFixtureFolder(),
    ...(arch === 'aarch64' && { TNBUILD_E2E_GUEST_ARM64: guestFixtureFolder('arm64') }),
    TNBUILD_VMS_DIR: join(home, 'vms'),
    TNBUILD_CACHE: join(root, 'cache'),
  };
  const common = [
    '--recipes',
    join(REPO, 'test/e2e/recipes'),
    '--output',
    join(root, 'output'),
    '--arch',
    arch,
  ];
  /** Runs `tnbuild args…`; never throws: `ok` says how it ended. */
  const run = async (...args: string[]): Promise<BenchRun> => {
    const split = args.indexOf('--');
    const argv =
      split < 0 ? [...args, ...common] : [...args.slice(0, split), ...common, ...args.slice(split)];
    const started = performance.now();
    const result = await execa(join(REPO, 'bin/tnbuild.js'), argv, { env, reject: false, all: true });
    return { ok: result.exitCode === 0, ms: performance.now() - started, out: String(result.all ?? '') };
  };
  /** Like `run`, but a failure throws with the command's output. */
  const must = async (...args: string[]): Promise<BenchRun> => {
    const result = await run(...args);
    if (!result.ok) throw new Error(`tnbuild ${args.join(' ')} failed:\n${result.out}`);
    return result;
  };
  return { root, run, must };
}

/** The log folder a failed build names (`logs: <dir> (…)`), or what its error line says. */
export function whereToLook(out: string): string {
  return (
    /logs: (\S+)/.exec(out)?.[1] ??
    out
      .split('\n')
      .find((line) => /error TNB\d{3}/.test(line))
      ?.trim() ??
    out.trim().split('\n').at(-1) ??
    ''
  );
}

/** CPU seconds the whole machine spent busy since boot (every core; /proc/stat counts in USER_HZ = 1/100 s). */
export function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `label: 30/30 ok, median 13.8 s, max 15.5 s` for times in ms, of `runs` tried. */
export function summarise(label: string, valuesMs: readonly number[], runs: number): string {
  return valuesMs.length === 0
    ? `${label}: none succeeded`
    : `${label}: ${valuesMs.length}/${runs} ok, median ${(median(valuesMs) / 1000).toFixed(1)} s, max ${(Math.max(...valuesMs) / 1000).toFixed(1)} s`;
}
