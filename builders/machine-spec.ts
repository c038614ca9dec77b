/** Guest architectures tnbuild builds for. */
export type Arch = 'x86_64' | 'aarch64';

/** `auto` proves KVM (Linux) or HVF (macOS) by booting firmware, else falls back to TCG. */
export type AccelChoice = 'auto' | 'kvm' | 'hvf' | 'tcg';
export type Accel = Exclude<AccelChoice, 'auto'>;

/** A host port forwarded to a guest port; always bound to 127.0.0.1. */
export interface PortForward {
  readonly name: string;
  readonly host: number;
  readonly guest: number;
}

/** A second NIC on a multicast socket segment (VM-to-VM L2 without root). */
export interface McastNetdev {
  readonly mcast: string;
  readonly mac: string;
}

/** BIOS for x86_64 (SeaBIOS), UEFI for aarch64: one firmware file (`-bios`) or a CODE/VARS pflash pair. */
export type Firmware =
  | { readonly type: 'bios' }
  | { readonly type: 'uefi'; readonly code: string; readonly vars?: string };

/** Direct kernel boot (`-kernel/-initrd/-append`), e.g. a kernel extracted from an ISO with our own cmdline. */
export interface KernelBoot {
  readonly kernel: string;
  readonly initrd?: string;
  readonly append?: string;
}

/** Everything QEMU needs to run one guest. Plain data: buildQemuArgs turns it into argv. */
export interface MachineSpec {
  readonly arch: Arch;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** qcow2 disk, attached as virtio. */
  readonly disk: string;
  /** Installer ISO; with it the guest boots the CD once, then the disk. */
  readonly cdrom?: string;
  readonly kernelBoot?: KernelBoot;
  readonly firmware: Firmware;
  readonly accel: Accel;
  readonly ports: readonly PortForward[];
  readonly extraNetdevs?: readonly McastNetdev[];
  /** Unix socket the builder connects to for the serial console (QEMU is the server). */
  readonly serialSocket: string;
  /** Every byte of the serial console is also appended here: by the builder's console, or by QEMU without one. */
  readonly serialLog: string;
  readonly qmpSocket: string;
  /** Make a guest reboot end QEMU instead (used to swap the CD for the disk between runs). */
  readonly noReboot?: boolean;
  /**
   * Host caching of the disk. `unsafe` ignores the guest's flushes: fastest, fine for a build disk that is thrown
   * away on failure, wrong for a VM that must survive a host crash.
   * @default 'writeback'
   */
  readonly diskCache?: 'writeback' | 'unsafe' | 'none';
  /** Start the guest only once a client is on the serial socket (the builder); a background VM does not wait. @default true */
  readonly serialWait?: boolean;
  /** More virtio disks after the main one (a seed image, a data disk). */
  readonly extraDrives?: readonly ExtraDrive[];
  /** Appended to the argv as given (Packer's qemuargs): devices an installer needs that tnbuild does not model. */
  readonly extraArgs?: readonly string[];
}

export interface ExtraDrive {
  readonly file: string;
  readonly format: 'raw' | 'qcow2';
  /** @default false */
  readonly readonly?: boolean;
}
