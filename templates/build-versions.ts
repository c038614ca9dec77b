import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../host/command-runner.ts';

const PACKAGE_JSON = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');

/** The versions a manifest records: `QEMU emulator version 7.2.22 (…)` → `7.2.22 (…)`, and tnbuild's package version. */
export async function readBuildVersions(
  runner: CommandRunner,
  qemuSystem: string,
): Promise<{ qemu: string; tnbuild: string }> {
  const result = await runner.run(qemuSystem, ['--version']);
  const first = result.stdout.split('\n')[0] ?? '';
  const qemu = first.replace(/^QEMU emulator version\s*/, '').trim() || 'unknown';
  const pkg = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string };
  return { qemu, tnbuild: pkg.version };
}
