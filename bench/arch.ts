import { benchCli } from './bench-cli.ts';

interface ArchRun {
  readonly arch: 'x86_64' | 'aarch64';
  readonly base: string;
  readonly layer: string;
}

const RUNS: readonly ArchRun[] = [
  { arch: 'x86_64', base: 'guest', layer: 'peer-x86' },
  { arch: 'aarch64', base: 'guest-arm64', layer: 'layer-arm64' },
];

/**
 * aarch64 against x86_64 under TCG on this host, the same work in the same run (issue: aarch64 end to end): the test
 * guest's ISO install into a base template, a child layer on a linked clone of it, a clone's boot to SSH, and its
 * graceful stop. The e2e recipes are the workload; everything lives in ~/.cache/tnbuild-bench-arch.
 */
export async function benchArch(print: (line: string) => void = console.log): Promise<void> {
  const seconds = new Map<string, Record<string, number>>();
  for (const run of RUNS) {
    const cli = benchCli('tnbuild-bench-arch', run.arch);
    const tnbuild = cli.run;
    const must = async (...args: string[]) => {
      const result = await tnbuild(...args);
      if (!result.ok) throw new Error(`${run.arch}: tnbuild ${args.join(' ')} failed:\n${result.out}`);
      return result.ms / 1000;
    };
    const times: Record<string, number> = {};
    times['ISO install → base template'] = await must('recipe', run.base, '--force');
    times['child layer (linked clone, provision, seal, flatten)'] = await must(
      'recipe',
      run.layer,
      '--force',
    );
    await tnbuild('vm', 'destroy', run.layer, '--force');
    await must('vm', 'create', run.layer);
    times['clone boot to SSH'] = await must('vm', 'start', run.layer, '--wait');
    times['graceful stop (ACPI power button)'] = await must('vm', 'stop', run.layer);
    await tnbuild('vm', 'destroy', run.layer, '--force');
    seconds.set(run.arch, times);
  }
  const x86 = seconds.get('x86_64')!;
  const arm = seconds.get('aarch64')!;
  print(`${'phase (TCG, 2 cores)'.padEnd(54)} ${'x86_64'.padStart(8)} ${'aarch64'.padStart(8)}  ratio`);
  for (const phase of Object.keys(x86)) {
    const [a, b] = [x86[phase]!, arm[phase]!];
    print(
      `${phase.padEnd(54)} ${a.toFixed(1).padStart(7)}s ${b.toFixed(1).padStart(7)}s  ${(b / a).toFixed(2)}×`,
    );
  }
}
