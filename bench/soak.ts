import { benchCli, summarise, whereToLook } from './bench-cli.ts';

/** The build's warning when its build VM stalled and was booted again; the group is where its logs went. */
const STALLED = /the build VM's boot stalled \(.*\): booting it again .* are in (\S+)$/m;

/**
 * `npm run bench -- soak [N]`: N child-layer builds in a row on a linked clone of the stored test guest
 * (`recipe peer-x86 --force`), then N boots of a clone to SSH and graceful stops. Every run's time is printed,
 * and every failure with the log folder it names; a build that succeeded only after its build VM stalled and was
 * booted again is counted apart, with its log folder. Goal: 0 failures and 0 stalls in 30 of each, under TCG on
 * 2 cores.
 */
export async function benchSoak(runs: number, print: (line: string) => void = console.log): Promise<void> {
  const cli = benchCli('tnbuild-bench-soak');
  const first = await cli.must('recipe', 'peer-x86');
  if (/^built /m.test(first.out)) print(`built guest and peer-x86 once in ${(first.ms / 1000).toFixed(0)} s`);

  const failures: string[] = [];
  const stalls: string[] = [];
  const builds: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const build = await cli.run('recipe', 'peer-x86', '--force');
    // A build VM booted again after a stall ends ok, but the stall is what this soak looks for: counted apart.
    const stalled = STALLED.exec(build.out)?.[1];
    if (build.ok) builds.push(build.ms);
    else failures.push(`build ${run}: ${whereToLook(build.out)}`);
    if (stalled !== undefined) stalls.push(`build ${run}: ${stalled}`);
    print(
      `  build ${String(run).padStart(2)}/${runs}: ${(build.ms / 1000).toFixed(1)} s ${build.ok ? 'ok' : 'FAILED'}${stalled === undefined ? '' : ' (after a stalled boot)'}`,
    );
  }

  await cli.run('vm', 'destroy', 'peer-x86', '--force');
  await cli.must('vm', 'create', 'peer-x86');
  const boots: number[] = [];
  const stops: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const start = await cli.run('vm', 'start', 'peer-x86', '--wait');
    const answered = start.ok;
    const bootMs = start.ms;
    const stop = await cli.run('vm', 'stop', 'peer-x86');
    // `stopped peer-x86 (acpi, 2.1 s)`: the stop itself, without the CLI's start-up.
    const stopMs = Number(/, ([0-9.]+) s\)/.exec(stop.out)?.[1] ?? Number.NaN) * 1000 || stop.ms;
    if (answered) boots.push(bootMs);
    else failures.push(`boot ${run}: ${whereToLook(start.out)}`);
    if (stop.ok) stops.push(stopMs);
    else failures.push(`stop ${run}: ${whereToLook(stop.out)}`);
    print(
      `  boot ${String(run).padStart(2)}/${runs}: SSH after ${(bootMs / 1000).toFixed(1)} s ${answered ? 'ok' : 'FAILED'}, stop ${(stopMs / 1000).toFixed(1)} s ${stop.ok ? 'ok' : 'FAILED'}`,
    );
  }
  await cli.run('vm', 'destroy', 'peer-x86', '--force');

  print(summarise('child-layer builds', builds, runs));
  print(summarise('clone boots to SSH', boots, runs));
  print(summarise('graceful stops', stops, runs));
  print(`failures: ${failures.length}   goal: 0 in 30 of each`);
  for (const failure of failures) print(`  ${failure}`);
  print(`build VMs booted again after a stalled boot: ${stalls.length}   goal: 0`);
  for (const stall of stalls) print(`  ${stall}`);
}
