import { createHash } from 'node:crypto';
import type { CommitTemplateInput } from '../../templates/commit-template.ts';

// Test data without vitest imports, so child processes (fixtures/) can use it too.

/** A deterministic 64-hex cache key. */
export function keyOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
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
