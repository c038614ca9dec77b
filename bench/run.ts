import { benchArch } from './arch.ts';
import { benchBoot } from './boot.ts';
import { benchCachedReinstall } from './cached-reinstall.ts';
import { benchPacker } from './packer.ts';
import { benchParallel } from './parallel.ts';
import { benchProvisionNoop } from './provision-noop.ts';
import { benchRegistry } from './registry.ts';
import { benchSoak } from './soak.ts';
import { benchStartup } from './startup.ts';

/** `npm run bench -- NAME [N]`: N, a whole number of runs, or the bench's default. */
function runsArgument(name: string, fallback: number): number {
  const runs = Number(process.argv[3] ?? fallback);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`${name} takes a whole number of runs, got "${process.argv[3]}"`);
  return runs;
}

// `npm run bench`: the timing goals, measured rather than asserted in tests. Runs as root (the provisioning
// bench makes a throwaway user for a real sshd on 127.0.0.1).
const only = process.argv[2];
if (!only || only === 'startup') {
  console.log('== start-up: each command over `node -e 0`, same run');
  benchStartup();
}
if (!only || only === 'provision') {
  console.log('\n== provisioning: 50 no-op file tasks over SSH');
  await benchProvisionNoop();
}
if (!only || only === 'registry') {
  console.log('\n== templates through an OCI registry');
  await benchRegistry();
}
if (!only || only === 'reinstall') {
  console.log('\n== templates and clones');
  await benchCachedReinstall();
}
if (only === 'arch') {
  // Opt-in by name: both architectures' installs under TCG take about ten minutes.
  console.log('\n== aarch64 against x86_64 under TCG: install, layer, clone boot, stop');
  await benchArch();
}
if (only === 'packer') {
  // Opt-in by name: two media, each built by both tools TNBUILD_BENCH_RUNS times (default 2), takes 15+ minutes.
  console.log('\n== tnbuild against Packer 1.6.6 on the same media, the same served files and provisioning');
  await benchPacker();
}
if (only === 'parallel') {
  // Opt-in by name: two child layers rebuilt one at a time and side by side, TNBUILD_BENCH_RUNS times (default 1).
  console.log('\n== sibling layers one at a time and side by side');
  await benchParallel(Number(process.env.TNBUILD_BENCH_RUNS ?? 1));
}
if (only === 'boot') {
  // Opt-in by name: `npm run bench -- boot [N]` (default 3) first boots and boots of one clone, about a minute each.
  const runs = runsArgument('boot', 3);
  console.log(
    `\n== a clone's boot to SSH-ready: ${runs} first boots and ${runs} boots with the seed applied`,
  );
  await benchBoot(runs);
}
if (only === 'soak') {
  // Opt-in by name: `npm run bench -- soak [N]` (default 30) child builds, then N clone boots and stops.
  const runs = runsArgument('soak', 30);
  console.log(`\n== soak: ${runs} child-layer builds, then ${runs} clone boots to SSH and stops`);
  await benchSoak(runs);
}
