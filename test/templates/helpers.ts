import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CommitTemplateInput } from '../../templates/commit-template.ts';
import { commitTemplate } from '../../templates/commit-template.ts';
import type { Template, TemplateStore } from '../../templates/template-store.ts';

/** A fresh directory under the OS temp dir (short: QEMU's unix sockets live in these). */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tnb-${label}-`));
}

/** A deterministic 64-hex cache key. */
export function keyOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function makeQcow2(path: string, size = '64M', backing?: string): Promise<void> {
  const backingArgs = backing === undefined ? [] : ['-b', backing, '-F', 'qcow2'];
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', ...backingArgs, path, size]);
}

export function sampleInput(disk: string, overrides: Partial<CommitTemplateInput> = {}): CommitTemplateInput {
  return {
    recipe: 'node',
    key: keyOf('node'),
    parentKey: keyOf('base'),
    arch: 'x86_64',
    os: { family: 'debian', release: '12' },
    disk,
    compressed: false,
    inputs: [
      {
        name: 'steps[0] /usr/local/bin',
        url: 'https://example.org/cometbft.tar.gz',
        checksum: `sha256:${'b'.repeat(64)}`,
      },
    ],
    packages: ['openssh-server 1:9.2p1-2+deb12u3', 'sudo 1.9.13p3-1+deb12u1'],
    sshUser: 'warden',
    vm: { name: 'trustnet-node', firstBoot: ['echo first boot'] },
    ports: [{ name: 'ssh', guest: 22, host: 2222 }],
    network: { address: 'fd10:1234::1', prefix: 64, interface: 'eth1' },
    machine: { cpus: 2, memoryBytes: 512 * 1024 ** 2 },
    builtAt: new Date('2026-11-25T12:00:00.000Z'),
    buildMs: 61_234,
    versions: { qemu: '7.2.22', tnbuild: '0.1.0' },
    ...overrides,
  };
}

/** Commits a blank 64 MiB qcow2 as a template for `recipe` (no OS inside: enough for store and clone tests). */
export async function commitBlankTemplate(
  store: TemplateStore,
  recipe: string,
  overrides: Partial<CommitTemplateInput> = {},
): Promise<Template> {
  const scratch = await tempDir('disk');
  const disk = join(scratch, 'disk.qcow2');
  await makeQcow2(disk);
  return commitTemplate(store, sampleInput(disk, { recipe, key: keyOf(recipe), ...overrides }));
}

/**
 * A PATH directory that looks like Alpine's userland: every busybox applet, plus the named host programs
 * (ssh-keygen is not an applet). Scripts run with `busybox sh` and this PATH see busybox's sed/awk/find.
 */
export async function busyboxPath(hostPrograms: readonly string[] = []): Promise<string> {
  const dir = join(await tempDir('busybox'), 'bin');
  await mkdir(dir);
  await execa('busybox', ['--install', '-s', dir]);
  for (const program of hostPrograms) {
    const { stdout } = await execa('sh', ['-c', `command -v ${program}`]);
    await symlink(stdout.trim(), join(dir, program)).catch(() => {});
  }
  return dir;
}
