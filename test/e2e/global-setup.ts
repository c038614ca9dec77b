import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import './helpers/guest-fixture.ts';

const BUILD_SCRIPT = join(import.meta.dirname, '../fixtures/guest/build-guest.sh');
const NETBOOT_SCRIPT = join(import.meta.dirname, '../fixtures/netboot/build-netboot.sh');

/** Runs a fixture script that prints only its folder on stdout (progress goes to our stderr). */
function fixtureFolder(script: string, args: string[] = []): string {
  try {
    return (
      execFileSync('bash', [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
        .trim()
        .split('\n')
        .pop() ?? ''
    );
  } catch (error) {
    throw new Error(`${script} failed; the e2e suite cannot run without it: ${(error as Error).message}`);
  }
}

function requireTool(name: string, install: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`e2e prerequisite missing: ${name} (install it: ${install}). The e2e suite never skips.`);
  }
}

/** Builds (or reuses) the offline test guests (x86_64 and aarch64) once and hands its paths to the tests. Fails loudly, never skips. */
export default function setup(project: TestProject): void {
  requireTool('qemu-system-x86_64', 'apt-get install qemu-system-x86');
  requireTool('qemu-system-aarch64', 'apt-get install qemu-system-arm qemu-efi-aarch64');
  requireTool('qemu-img', 'apt-get install qemu-utils');
  const dir = fixtureFolder(BUILD_SCRIPT);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    iso: { file: string };
    rootfs: { file: string; size: number };
    kernelVersion: string;
  };
  project.provide('guestFixture', {
    dir,
    iso: join(dir, manifest.iso.file),
    rootfs: join(dir, manifest.rootfs.file),
    rootfsBytes: manifest.rootfs.size,
    kernelVersion: manifest.kernelVersion,
  });
  project.provide('netbootDir', fixtureFolder(NETBOOT_SCRIPT));
  project.provide('guestArm64Dir', fixtureFolder(BUILD_SCRIPT, ['arm64']));
}
