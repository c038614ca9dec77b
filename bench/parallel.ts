import { benchCli, machineCpuSeconds } from './bench-cli.ts';

/**
 * Two sibling layers on the stored test guest (`registry`, `peer-x86`), rebuilt with `--force` one at a time and
 * side by side, alternating which goes first: both wall times, the ratio, and the CPU seconds the whole machine
 * spent (QEMU under TCG is most of it; on 2 cores two guests compete for the same cores).
 */
export async function benchParallel(
  runs: number,
  print: (line: string) => void = console.log,
): Promise<void> {
  const cli = benchCli('tnbuild-bench-parallel');
  const first = await cli.must('recipe', 'registry', 'peer-x86');
  if (/^built /m.test(first.out))
    print(`built guest, registry and peer-x86 once in ${(first.ms / 1000).toFixed(0)} s`);
  const times: Record<'1' | '2', { wall: number[]; cpu: number[] }> = {
    '1': { wall: [], cpu: [] },
    '2': { wall: [], cpu: [] },
  };
  for (let run = 0; run < runs; run++) {
    for (const parallel of run % 2 ? (['2', '1'] as const) : (['1', '2'] as const)) {
      const cpu = machineCpuSeconds();
      const build = await cli.must('recipe', 'registry', 'peer-x86', '--force', '--parallel', parallel);
      times[parallel].wall.push(build.ms / 1000);
      times[parallel].cpu.push(machineCpuSeconds() - cpu);
      print(
        `  --parallel ${parallel}: ${(build.ms / 1000).toFixed(1)} s, ${times[parallel].cpu.at(-1)!.toFixed(0)} CPU s`,
      );
    }
  }
  const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
  print(
    `registry + peer-x86 rebuilt: one at a time ${total(times['1'].wall).toFixed(1)} s, side by side ${total(times['2'].wall).toFixed(1)} s over ${runs} run(s): ${(total(times['2'].wall) / total(times['1'].wall)).toFixed(2)}×`,
  );
  print(
    `CPU seconds (whole machine): one at a time ${total(times['1'].cpu).toFixed(0)}, side by side ${total(times['2'].cpu).toFixed(0)}`,
  );
}
