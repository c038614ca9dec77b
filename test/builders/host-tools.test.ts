import { describe, expect, it } from 'vitest';
import type { HostLookup } from '../../builders/host-lookup.ts';
import { checkHostTools, requireHostTools } from '../../builders/host-tools.ts';
import { isTnbuildError, type TnbuildError } from '../../errors/index.ts';

function fakeLookup(binaries: string[], files: string[]): HostLookup {
  return {
    findExecutable: async (name) => (binaries.includes(name) ? `/usr/bin/${name}` : undefined),
    fileExists: async (path) => files.includes(path),
  };
}

async function failure(promise: Promise<unknown>): Promise<TnbuildError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(isTnbuildError(error)).toBe(true);
  return error as TnbuildError;
}

describe('host tools', () => {
  it('finds QEMU, qemu-img and the aarch64 firmware: a CODE/VARS pair before a single image', async () => {
    const lookup = fakeLookup(
      ['qemu-system-aarch64', 'qemu-img'],
      [
        '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
        '/usr/share/AAVMF/AAVMF_CODE.fd',
        '/usr/share/AAVMF/AAVMF_VARS.fd',
      ],
    );
    await expect(requireHostTools('aarch64', lookup)).resolves.toEqual({
      qemuSystem: '/usr/bin/qemu-system-aarch64',
      qemuImg: '/usr/bin/qemu-img',
      firmware: {
        type: 'uefi',
        code: '/usr/share/AAVMF/AAVMF_CODE.fd',
        vars: '/usr/share/AAVMF/AAVMF_VARS.fd',
      },
    });
  });

  it('a missing QEMU binary is TNB300 with the install command per distribution', async () => {
    const error = await failure(requireHostTools('x86_64', fakeLookup(['qemu-img'], [])));
    expect(error.code).toBe('TNB300');
    expect(error.message).toBe('qemu-system-x86_64 is not installed; an x86_64 build needs it');
    expect(error.details).toEqual([
      'looked on PATH for qemu-system-x86_64',
      'install it with:',
      'Debian/Ubuntu: sudo apt-get install qemu-system-x86',
      'Fedora/RHEL:   sudo dnf install qemu-system-x86-core',
      'Arch:          sudo pacman -S qemu-system-x86',
      'macOS:         brew install qemu',
    ]);
    expect(error.hint).toContain('sudo apt-get install qemu-system-x86');
  });

  it('missing aarch64 firmware is TNB301 naming qemu-efi-aarch64 / edk2-aarch64', async () => {
    const error = await failure(
      requireHostTools('aarch64', fakeLookup(['qemu-system-aarch64', 'qemu-img'], [])),
    );
    expect(error.code).toBe('TNB301');
    expect(error.details).toContain('Debian/Ubuntu: sudo apt-get install qemu-efi-aarch64');
    expect(error.details).toContain('Fedora/RHEL:   sudo dnf install edk2-aarch64');
    expect(error.details).toContain('looked for /usr/share/qemu-efi-aarch64/QEMU_EFI.fd');
  });

  it('checkHostTools returns structured results for `tnbuild doctor`', async () => {
    const checks = await checkHostTools(
      'aarch64',
      fakeLookup(['qemu-img'], ['/usr/share/qemu-efi-aarch64/QEMU_EFI.fd']),
    );
    expect(checks.map(({ name, kind, found, path }) => ({ name, kind, found, path }))).toEqual([
      { name: 'qemu-system-aarch64', kind: 'binary', found: false, path: undefined },
      { name: 'qemu-img', kind: 'binary', found: true, path: '/usr/bin/qemu-img' },
      {
        name: 'aarch64 UEFI firmware',
        kind: 'firmware',
        found: true,
        path: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
      },
    ]);
    expect(checks[0]?.install.arch).toBe('sudo pacman -S qemu-system-aarch64');
  });

  it('finds the real tools on this host', async () => {
    const checks = await checkHostTools('x86_64');
    expect(checks.every((check) => check.found)).toBe(true);
  });
});
