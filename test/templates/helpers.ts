import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll } from 'vitest';
import type { CommitTemplateInput } from '../../templates/commit-template.ts';
import { commitTemplate } from '../../templates/commit-template.ts';
import type { Template, TemplateStore } from '../../templates/template-store.ts';
import { keyOf, sampleInput } from './sample-template.ts';

const made: string[] = [];

/** A fresh directory under the OS temp dir (short: QEMU's unix sockets live in these), removed after the file. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tnb-tv-${label}-`));
  made.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of made.splice(0)) {
    // Templates inside are read-only (0500 directories); make them writable so a non-root user can delete them.
    await execa('chmod', ['-R', 'u+w', dir], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});

export async function makeQcow2(path: string, size = '64M', backing?: string): Promise<void> {
  const backingArgs = backing === undefined ? [] : ['-b', backing, '-F', 'qcow2'];
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', ...backingArgs, path, size]);
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
 * A master boot record that prints `text` on the first serial port, then halts for good: a guest whose console went
 * silent and that answers nothing. x86 real mode, hand-assembled:
 *   xor ax,ax; mov ds,ax; cld; mov dx,0x3f8; mov si,text
 *   next: lodsb; test al,al; jz halt; out dx,al; jmp next
 *   halt: cli; hlt; jmp halt
 */
export function printThenHaltBootSector(text: string): Buffer {
  const code = [0x31, 0xc0, 0x8e, 0xd8, 0xfc, 0xba, 0xf8, 0x03, 0xbe, 0x17, 0x7c];
  code.push(0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xfa, 0xf4, 0xeb, 0xfc);
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  const message = Buffer.from(`${text}\0`, 'latin1');
  if (code.length + message.length > 510) throw new Error('the boot sector text is too long');
  message.copy(sector, code.length);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/** Commits a template for `recipe` whose disk boots `printThenHaltBootSector(text)`. */
export async function commitPrintingTemplate(
  store: TemplateStore,
  recipe: string,
  text: string,
): Promise<Template> {
  const scratch = await tempDir('disk');
  const disk = join(scratch, 'disk.qcow2');
  const sector = join(scratch, 'mbr.bin');
  await makeQcow2(disk);
  await writeFile(sector, printThenHaltBootSector(text));
  await execa('qemu-io', ['-f', 'qcow2', '-c', `write -q -s ${sector} 0 512`, disk]);
  return commitTemplate(store, sampleInput(disk, { recipe, key: keyOf(recipe) }));
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

export { keyOf, sampleInput };
