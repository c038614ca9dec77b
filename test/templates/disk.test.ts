import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';
import { compactDisk } from '../../templates/compact-disk.ts';
import { createOverlayDisk } from '../../templates/overlay-disk.ts';
import { readQcow2Header } from '../../templates/qcow2-header.ts';
import { openTemplateStore } from '../../templates/template-store.ts';
import { commitBlankTemplate, tempDir } from './helpers.ts';

const MiB = 1024 ** 2;

async function qemuIo(image: string, command: string): Promise<string> {
  const { stdout } = await execa('qemu-io', ['-f', 'qcow2', '-c', command, image]);
  return stdout;
}

describe('layering: overlay on the parent, then flatten', () => {
  it('boots the child on an overlay of the parent template and flattens it into a standalone image', async () => {
    const dir = await tempDir('layer');
    const store = openTemplateStore({ root: join(dir, 'templates'), vmsRoot: join(dir, 'vms') });
    const parent = await commitBlankTemplate(store, 'base', { parentKey: null });
    const overlay = join(dir, 'child.qcow2');
    const { virtualSize } = await createOverlayDisk(execaCommandRunner, {
      parent,
      path: overlay,
      sizeBytes: 128 * MiB,
    });
    expect(virtualSize).toBe(128 * MiB);
    expect(await readQcow2Header(overlay)).toEqual({ virtualSize: 128 * MiB, backingFile: parent.disk });

    // The child's provisioning writes to the overlay only.
    await qemuIo(overlay, 'write -P 0xcd 1M 1M');
    const flat = join(dir, 'flat.qcow2');
    await compactDisk(execaCommandRunner, overlay, flat, { compress: true });
    expect(await readQcow2Header(flat)).toEqual({ virtualSize: 128 * MiB });
    expect(await qemuIo(flat, 'read -P 0xcd 1M 1M')).toMatch(/read 1048576\/1048576 bytes/);
    expect(await qemuIo(flat, 'read -P 0 0 1M')).toMatch(/read 1048576\/1048576 bytes/);
  });

  it('never leaves a half-written target: a failed convert removes its scratch file', async () => {
    const dir = await tempDir('compact-fail');
    const target = join(dir, 'out.qcow2');
    await expect(compactDisk(execaCommandRunner, join(dir, 'missing.qcow2'), target)).rejects.toMatchObject({
      code: 'TNB304',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('drops trimmed and zero clusters when compacting', async () => {
    const dir = await tempDir('compact');
    const image = join(dir, 'in.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
    await qemuIo(image, 'write -P 0x11 0 32M');
    await qemuIo(image, 'write -z 0 30M');
    const out = join(dir, 'out.qcow2');
    await compactDisk(execaCommandRunner, image, out);
    const { stdout } = await execa('qemu-img', ['info', '--output=json', out]);
    expect(JSON.parse(stdout)['actual-size']).toBeLessThan(8 * MiB);
  });
});
