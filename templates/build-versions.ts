import type { CommandRunner } from '../host/command-runner.ts';
import { tnbuildVersion } from '../host/package-root.ts';

/** The versions a manifest records: `QEMU emulator version 7.2.22 (…)` → `7.2.22 (…)`, and tnbuild's package version. */
export async function readBuildVersions(
  runner: CommandRunner,
  qemuSystem: string,
): Promise<{ qemu: string; tnbuild: string }> {
  const result = await runner.run(qemuSystem, ['--version']);
  const first = result.stdout.split('\n')[0] ?? '';
  const qemu = first.replace(/^QEMU emulator version\s*/, '').trim() || 'unknown';
  return { qemu, tnbuild: tnbuildVersion() };
}
