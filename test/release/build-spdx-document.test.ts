import { describe, expect, it } from 'vitest';
import { buildSpdxDocument } from '../../release/index.ts';
import type { TemplateManifest } from '../../templates/index.ts';

const template: TemplateManifest = {
  format: 1,
  recipe: 'edge',
  key: '12'.repeat(32),
  parentKey: null,
  arch: 'aarch64',
  os: { family: 'alpine', release: '3.20' },
  inputs: [],
  disk: { file: 'disk.qcow2', virtualSize: 1, actualSize: 1, compressed: false },
  builtAt: '2025-01-01T00:00:00.000Z',
  buildMs: 1,
  versions: { qemu: '9.0.0', tnbuild: '0.1.0' },
  packages: ['alpine-baselayout-3.6.5-r0', 'musl-1.2.5-r0', 'not a package line'],
  sshUser: 'tn',
  vm: { name: 'edge', firstBoot: [] },
  ports: [],
  machine: { cpus: 1, memoryBytes: 1 },
};

describe('buildSpdxDocument', () => {
  it('describes the image as an OPERATING-SYSTEM package containing each installed package (snapshot)', () => {
    const document = buildSpdxDocument({
      name: 'edge',
      version: '0.9.1',
      template,
      imageSha256: 'ff'.repeat(32),
      releasedAt: new Date('2025-03-04T05:06:07.890Z'),
      tnbuildVersion: '0.1.0',
    });
    expect(document.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(2);
    expect(new Set(document.packages.map((p) => p.SPDXID)).size).toBe(document.packages.length);
    expect(document.creationInfo.comment).toContain('Lines not understood and left out: not a package line');
    expect(document).toMatchSnapshot();
  });
});
