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

  it('with --arch aarch64 checks that emulator and firmware only, and the accelerator aarch64 guests get here', async () => {
    const found = new Map([
      ['qemu-system-aarch64', '/opt/q/qemu-system-aarch64'],
      ['qemu-img', '/usr/bin/qemu-img'],
      ['xorriso', '/usr/bin/xorriso'],
    ]);
    const lookup: HostLookup = {
      findExecutable: async (name) => found.get(name),
      fileExists: async () => false,
    };
    const report = await doctor({ ...options, arch: 'aarch64', onlyArch: 'aarch64', lookup });
    expect(report.text).toMatch(/ok\s+qemu-system-aarch64 {2}\/opt\/q\/qemu-system-aarch64/);
    expect(report.text).toMatch(/missing aarch64 UEFI firmware/);
    // Not the host's: no x86_64 emulator is asked for, so its absence is not reported.
    expect(report.text).not.toContain('qemu-system-x86_64');
    expect(report.checks.map((check) => check.name)).not.toContain('qemu-system-x86_64');
  });
});
