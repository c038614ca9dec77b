import { describe, expect, it } from 'vitest';
import type { HostLookup } from '../../builders/host-lookup.ts';
import { nodeHostLookup } from '../../builders/host-lookup.ts';
import { doctor } from '../../cli/doctor.ts';

const options = { recipes: 'recipes', output: '.', arch: 'x86_64', verbose: false } as const;

describe('tnbuild doctor', () => {
  it('names a missing QEMU and firmware with the install command for each host family', async () => {
    const lookup: HostLookup = {
      findExecutable: async (name) => (name === 'qemu-img' ? '/usr/bin/qemu-img' : undefined),
      fileExists: async () => false,
    };
    const report = await doctor({ ...options, lookup });
    expect(report.ok).toBe(false);
    expect(report.text).toMatch(
      /missing qemu-system-x86_64\n\s+Debian\/Ubuntu: sudo apt-get install qemu-system-x86\n\s+Fedora\/RHEL:\s+sudo dnf install qemu-system-x86-core\n\s+Arch:\s+sudo pacman -S qemu-system-x86/,
    );
    expect(report.text).toMatch(
      /missing aarch64 UEFI firmware\n\s+Debian\/Ubuntu: sudo apt-get install qemu-efi-aarch64/,
    );
    expect(report.text).toMatch(/missing xorriso/);
    expect(report.text).toContain('install what is missing above');
  });

  it('on this machine finds everything and proves whether KVM can run a guest', async () => {
    const report = await doctor({ ...options, lookup: nodeHostLookup });
    expect(report.text).toMatch(/ok\s+qemu-system-x86_64/);
    expect(report.text).toMatch(/accelerator for (x86_64|aarch64) guests: (kvm|tcg|hvf)/);
    expect(report.ok).toBe(true);
  });
});
