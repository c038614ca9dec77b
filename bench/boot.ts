import { benchCli, summarise } from './bench-cli.ts';

const VM = 'boot-x86';

/** `vm start --wait` as a user runs it, from the command's start to the user's login, in ms. */
async function bootToLogin(cli: ReturnType<typeof benchCli>): Promise<number> {
  return (await cli.must('vm', 'start', VM, '--wait')).ms;
}

/**
 * `npm run bench -- boot [N]`: a clone's boot to SSH-ready on the test guest under TCG, one VM at a time (issue:
 * faster than Packer, P6). N fresh clones' first boots (the seed applied) and N boots of a clone that has applied
 * its seed, each by `vm start --wait` (QEMU started, then the user logged in with the pinned host key); then where
 * the last boot went, from the guest's own systemd-analyze. Goal: ≤ 15 s.
 */
export async function benchBoot(runs: number, print: (line: string) => void = console.log): Promise<void> {
  const cli = benchCli('tnbuild-bench');
  const built = await cli.must('recipe', 'guest');
  if (/^built /m.test(built.out)) print(`built the guest template once in ${(built.ms / 1000).toFixed(0)} s`);

  const first: number[] = [];
  const again: number[] = [];
  for (let run = 1; run <= runs; run++) {
    await cli.run('vm', 'destroy', VM, '--force');
    await cli.must('vm', 'create', 'guest', '--name', VM);
    first.push(await bootToLogin(cli));
    await cli.must('vm', 'stop', VM);
    again.push(await bootToLogin(cli));
    print(
      `  ${run}/${runs}: first boot ${((first.at(-1) ?? 0) / 1000).toFixed(1)} s, boot with the seed applied ${((again.at(-1) ?? 0) / 1000).toFixed(1)} s`,
    );
    if (run < runs) await cli.must('vm', 'stop', VM);
  }
  print(`${summarise('clone first boot to SSH-ready (seed applied)', first, runs)}   goal ≤ 15 s`);
  print(`${summarise('clone boot to SSH-ready (seed already applied)', again, runs)}   goal ≤ 15 s`);
  const analysis = await cli.must(
    'vm',
    'ssh',
    VM,
    '--',
    'systemd-analyze time; systemd-analyze critical-chain --no-pager ssh.service',
  );
  print('where the last boot went (the guest’s systemd-analyze; firmware and bootloader are not in it):');
  for (const text of analysis.out.trim().split('\n')) if (/\S/.test(text)) print(`  ${text}`);
  await cli.must('vm', 'stop', VM);
  await cli.run('vm', 'destroy', VM, '--force');
}
