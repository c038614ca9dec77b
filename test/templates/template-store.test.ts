import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitTemplate } from '../../templates/commit-template.ts';
import { findTemplate, listTemplates, resolveTemplateRef } from '../../templates/find-template.ts';
import { templateManifestSchema } from '../../templates/template-manifest.ts';
import { openTemplateStore } from '../../templates/template-store.ts';
import { commitBlankTemplate, keyOf, makeQcow2, sampleInput, tempDir } from './helpers.ts';

async function newStore() {
  const dir = await tempDir('store');
  return openTemplateStore({ root: join(dir, 'output', 'templates'), vmsRoot: join(dir, 'vms') });
}

async function scratchDisk(): Promise<string> {
  const disk = join(await tempDir('disk'), 'disk.qcow2');
  await makeQcow2(disk, '64M');
  return disk;
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('commitTemplate', () => {
  it('refuses (TNB900) a manifest it could not read back, before the disk is moved', async () => {
    const store = await newStore();
    const disk = await scratchDisk();
    await expect(
      commitTemplate(store, sampleInput(disk, { inputs: [{ name: 'rootfs', sha256: 'e2e' }] })),
    ).rejects.toMatchObject({ code: 'TNB900', message: expect.stringContaining('inputs.0.sha256') });
    expect(existsSync(disk)).toBe(true);
    expect(await readdir(store.root).catch(() => [])).toEqual([]);
  });

  it('stores <recipe>-<arch>-<key12>/ with the disk and a manifest, read-only, and moves the disk in', async () => {
    const store = await newStore();
    const disk = await scratchDisk();
    const template = await commitTemplate(store, sampleInput(disk));
    expect(template.name).toBe(`node-x86_64-${keyOf('node').slice(0, 12)}`);
    expect(await readdir(store.root)).toEqual([template.name]);
    expect((await readdir(template.dir)).sort()).toEqual(['disk.qcow2', 'manifest.json']);
    expect(existsSync(disk)).toBe(false);
    expect(await mode(template.disk)).toBe(0o400);
    expect(await mode(join(template.dir, 'manifest.json'))).toBe(0o400);
    expect(await mode(template.dir)).toBe(0o500);

    const manifest = JSON.parse(await readFile(join(template.dir, 'manifest.json'), 'utf8'));
    expect(templateManifestSchema.parse(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({
      recipe: 'node',
      key: keyOf('node'),
      parentKey: keyOf('base'),
      arch: 'x86_64',
      disk: { file: 'disk.qcow2', virtualSize: 64 * 1024 ** 2, compressed: false },
      builtAt: '2026-11-25T12:00:00.000Z',
      buildMs: 61_234,
      versions: { qemu: '7.2.22', tnbuild: '0.1.0' },
      packages: ['openssh-server 1:9.2p1-2+deb12u3', 'sudo 1.9.13p3-1+deb12u1'],
      sshUser: 'warden',
      inputs: [{ name: 'steps[0] /usr/local/bin', url: 'https://example.org/cometbft.tar.gz' }],
    });
    expect(manifest.disk.actualSize).toBeGreaterThan(0);
  });

  it('is found by its full key, listed, and resolved by a key prefix or its directory name', async () => {
    const store = await newStore();
    const base = await commitBlankTemplate(store, 'base', { parentKey: null });
    const node = await commitBlankTemplate(store, 'node');
    expect((await findTemplate(store, keyOf('node')))?.dir).toBe(node.dir);
    expect(await findTemplate(store, keyOf('missing'))).toBeUndefined();
    expect((await listTemplates(store)).map((template) => template.name)).toEqual([base.name, node.name]);
    expect((await resolveTemplateRef(store, keyOf('base').slice(0, 8))).key).toBe(base.key);
    expect((await resolveTemplateRef(store, node.name)).key).toBe(node.key);
    await expect(resolveTemplateRef(store, 'nope')).rejects.toMatchObject({ code: 'TNB500' });
  });

  it('keeps the stored template when the same key is committed again, unless told to replace it', async () => {
    const store = await newStore();
    const first = await commitTemplate(store, sampleInput(await scratchDisk(), { buildMs: 1 }));
    const again = await commitTemplate(store, sampleInput(await scratchDisk(), { buildMs: 2 }));
    expect(again.manifest.buildMs).toBe(1);
    const replaced = await commitTemplate(store, sampleInput(await scratchDisk(), { buildMs: 3 }), {
      replace: true,
    });
    expect(replaced.dir).toBe(first.dir);
    expect(replaced.manifest.buildMs).toBe(3);
    expect(await readdir(store.root)).toEqual([first.name]);
  });

  it.each(['disk', 'manifest', 'rename'] as const)(
    'leaves no template and no temp dir when it fails at the %s stage',
    async (failAt) => {
      const store = await newStore();
      const commit = commitTemplate(store, sampleInput(await scratchDisk()), {
        onStage: (stage) => {
          if (stage === failAt) throw new Error(`crash at ${stage}`);
        },
      });
      await expect(commit).rejects.toThrow(`crash at ${failAt}`);
      expect(await readdir(store.root)).toEqual([]);
      expect(await findTemplate(store, keyOf('node'))).toBeUndefined();
    },
  );

  it('stops with TNB306 when aborted half-way, storing nothing', async () => {
    const store = await newStore();
    const controller = new AbortController();
    const commit = commitTemplate(store, sampleInput(await scratchDisk()), {
      signal: controller.signal,
      onStage: (stage) => {
        if (stage === 'manifest') controller.abort();
      },
    });
    await expect(commit).rejects.toMatchObject({ code: 'TNB306' });
    expect(await readdir(store.root)).toEqual([]);
  });

  it('refuses a disk that still has a backing file: templates are standalone', async () => {
    const store = await newStore();
    const parent = await scratchDisk();
    const overlay = join(await tempDir('overlay'), 'overlay.qcow2');
    await makeQcow2(overlay, '64M', parent);
    await expect(commitTemplate(store, sampleInput(overlay))).rejects.toThrow(/still has a backing file/);
    expect(existsSync(overlay)).toBe(true);
  });

  it('reports a damaged entry as TNB510 and repairs it on the next commit of that key', async () => {
    const store = await newStore();
    const template = await commitBlankTemplate(store, 'node');
    await chmod(template.dir, 0o755);
    await chmod(join(template.dir, 'manifest.json'), 0o644);
    await writeFile(join(template.dir, 'manifest.json'), '{"half": ');
    await expect(findTemplate(store, template.key)).rejects.toMatchObject({ code: 'TNB510' });
    expect(await listTemplates(store)).toEqual([]);
    const repaired = await commitTemplate(store, sampleInput(await scratchDisk()));
    expect(repaired.manifest.key).toBe(template.key);
    expect(await readdir(store.root)).toEqual([template.name]);
  });
});
