import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../artifacts/index.ts';
import { describeReproducibility } from '../../release/index.ts';
import type { Template, TemplateManifest } from '../../templates/index.ts';

function templateOf(
  recipe: string,
  key: string,
  parentKey: string | null,
  inputs: TemplateManifest['inputs'],
): Template {
  const manifest = {
    recipe,
    key,
    parentKey,
    arch: 'x86_64',
    inputs,
    builtAt: '2025-01-01T00:00:00.000Z',
    versions: { qemu: '7.2.0', tnbuild: '0.1.0' },
  } as TemplateManifest;
  return {
    key,
    name: `${recipe}-x86_64-${key.slice(0, 12)}`,
    dir: '/nowhere',
    disk: '/nowhere/disk.qcow2',
    manifest,
  };
}

const KEY = '1'.repeat(64);
const PARENT = '2'.repeat(64);
const GRANDPARENT = '3'.repeat(64);
const ISO_URL = 'https://dl.example/alpine-virt-3.20.3-x86_64.iso';

describe('describeReproducibility', () => {
  it('lists every layer and input with its checksum, resolving inputs pinned by a published sums file from the cache', () => {
    const cached = {
      checksum: { algorithm: 'sha256', value: 'a'.repeat(64) },
      urls: [ISO_URL],
    } as unknown as CacheEntry;
    const result = describeReproducibility({
      layers: [
        templateOf('node', KEY, PARENT, [{ name: 'steps[0] /etc/motd', sha256: 'b'.repeat(64) }]),
        templateOf('base', PARENT, null, [{ name: 'iso', url: ISO_URL, checksum: `${ISO_URL}.sha256` }]),
      ],
      cacheEntries: [cached],
      compressor: 'zstd 1.5.4 -19 --long=27',
    });
    expect(result.layers.map((layer) => [layer.recipe, layer.available])).toEqual([
      ['node', true],
      ['base', true],
    ]);
    expect(result.inputs).toEqual([
      {
        recipe: 'node',
        name: 'steps[0] /etc/motd',
        checksum: `sha256:${'b'.repeat(64)}`,
        pinnedBy: 'content',
      },
      {
        recipe: 'base',
        name: 'iso',
        url: ISO_URL,
        checksum: `sha256:${'a'.repeat(64)}`,
        pinnedBy: `published in ${ISO_URL}.sha256`,
      },
    ]);
    expect(result.statement).toContain('All 2 input(s) are listed with their checksum.');
  });

  it('says which parent layers and which input checksums it could not find', () => {
    const result = describeReproducibility({
      layers: [
        templateOf('node', KEY, PARENT, [{ name: 'iso', url: ISO_URL, checksum: `${ISO_URL}.sha256` }]),
        { key: PARENT, missing: true },
      ],
      cacheEntries: [],
      compressor: 'xz 5.4.1 -9',
    });
    expect(result.layers[1]).toMatchObject({ key: PARENT, available: false });
    expect(result.inputs[0]?.checksum).toBeUndefined();
    expect(result.inputs[0]?.pinnedBy).toContain('not in the local download cache');
    expect(result.statement).toContain(`Parent layer(s) ${PARENT} were not in the template store`);
    expect(result.statement).toContain('1 input(s) have no checksum on record: node › iso.');
    expect(result.statement).not.toContain(GRANDPARENT);
  });
});
