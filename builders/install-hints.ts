import type { Arch } from './machine-spec.ts';

/** The install command per host family, so a missing tool's error (and `tnbuild doctor`) can say exactly what to run. */
export interface InstallHints {
  readonly debian: string;
  readonly fedora: string;
  readonly arch: string;
  readonly macos: string;
}

const qemuSystem: Record<Arch, InstallHints> = {
  x86_64: {
    debian: 'sudo apt-get install qemu-system-x86',
    fedora: 'sudo dnf install qemu-system-x86-core',
    arch: 'sudo pacman -S qemu-system-x86',
    macos: 'brew install qemu',
  },
  aarch64: {
    debian: 'sudo apt-get install qemu-system-arm',
    fedora: 'sudo dnf install qemu-system-aarch64-core',
    arch: 'sudo pacman -S qemu-system-aarch64',
    macos: 'brew install qemu',
  },
};

const qemuImg: InstallHints = {
  debian: 'sudo apt-get install qemu-utils',
  fedora: 'sudo dnf install qemu-img',
  arch: 'sudo pacman -S qemu-img',
  macos: 'brew install qemu',
};

const aarch64Firmware: InstallHints = {
  debian: 'sudo apt-get install qemu-efi-aarch64',
  fedora: 'sudo dnf install edk2-aarch64',
  arch: 'sudo pacman -S edk2-aarch64',
  macos: 'brew install qemu',
};

export function installHintsFor(tool: 'qemu-system' | 'qemu-img' | 'firmware', arch: Arch): InstallHints {
  if (tool === 'qemu-system') return qemuSystem[arch];
  if (tool === 'qemu-img') return qemuImg;
  return aarch64Firmware;
}

/** Four lines, one per host family: `Debian/Ubuntu: sudo apt-get install …`. */
export function formatInstallHints(hints: InstallHints): string[] {
  return [
    `Debian/Ubuntu: ${hints.debian}`,
    `Fedora/RHEL:   ${hints.fedora}`,
    `Arch:          ${hints.arch}`,
    `macOS:         ${hints.macos}`,
  ];
}
