import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  commitTemplate,
  openTemplateStore,
  type Template,
  type TemplateStore,
} from '../../../templates/index.ts';

export async function makeTempDir(prefix = 'tnbuild-release-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A real ed25519 key made now (never committed); `.pub` beside it. */
export async function makeKey(dir: string, name: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key], { input: '' });
  return { key, pub: `${key}.pub` };
}

/**
 * A small real qcow2 (32 MiB virtual; random, text-like and zero regions so compression has something to do),
 * committed into a fresh store with a Debian-like manifest.
 */
export async function makeStoredTemplate(
  root: string,
  /** `randomMiB`: incompressible content to add (benches want a disk of some size). @default 0 */
  options: { key?: string; randomMiB?: number } = {},
): Promise<{ store: TemplateStore; template: Template }> {
  const store = openTemplateStore({ root: join(root, 'output', 'templates'), vmsRoot: join(root, 'vms') });
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  const raw = join(work, 'disk.raw');
  const text = Buffer.from(
    'Package: base-files\nVersion: 12.4+deb12u6\nArchitecture: amd64\n'.repeat(20_000),
  );
  const content = Buffer.concat([
    randomBytes(512 * 1024),
    text,
    Buffer.alloc(1024 * 1024),
    randomBytes(256 * 1024),
    randomBytes((options.randomMiB ?? 0) * 1024 * 1024),
  ]);
  await writeFile(raw, content);
  await execa('truncate', ['-s', `${32 + (options.randomMiB ?? 0)}M`, raw]);
  const disk = join(work, 'disk.qcow2');
  await execa('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, disk]);
  const template = await commitTemplate(store, {
    recipe: 'node',
    key: options.key ?? 'ab'.repeat(32),
    parentKey: null,
    arch: 'x86_64',
    os: { family: 'debian', release: '12' },
    disk,
    compressed: false,
    inputs: [
      { name: 'iso', url: 'https://example.invalid/debian-12.iso', checksum: `sha256:${'cd'.repeat(32)}` },
      { name: 'installer answer', sha256: 'ef'.repeat(32) },
    ],
    packages: ['base-files 12.4+deb12u6', 'libc6:amd64 2.36-9+deb12u7', 'openssh-server 1:9.2p1-2+deb12u3'],
    sshUser: 'tn',
    vm: { name: 'node', firstBoot: [] },
    ports: [{ name: 'ssh', guest: 22, host: 2222 }],
    machine: { cpus: 2, memoryBytes: 1024 ** 3 },
    builtAt: new Date('2025-01-02T03:04:05.000Z'),
    buildMs: 1234,
    versions: { qemu: '7.2.0', tnbuild: '0.1.0' },
  });
  return { store, template };
}

/** A store's entries that are not its lock folder: what "nothing imported" means. */
export async function storeEntries(store: TemplateStore): Promise<string[]> {
  const entries = await readdir(store.root).catch(() => [] as string[]);
  return entries.filter((entry) => entry !== '.locks').sort();
}
