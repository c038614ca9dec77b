import type { ConsoleStep } from '../console-steps.ts';
import type { HttpFileMap } from '../http-server.ts';
import type { Arch, KernelBoot } from '../machine-spec.ts';

/** What a driver knows when it plans an install. */
export interface InstallContext {
  readonly arch: Arch;
  /** `http://10.0.2.2:PORT/path`: how the guest reaches a file the builder serves. */
  guestUrl(path: string): string;
  /** The build key's authorized_keys line. */
  readonly authorizedKey: string;
  /** The disk as the installer sees it. */
  readonly diskDevice: string;
  readonly diskBytes: number;
}

/**
 * How one installer is driven. `reboot-in-place`: the guest reboots and the same QEMU boots the disk (`-boot
 * once=d`); `restart-from-disk`: the guest reboots or powers off, QEMU ends (`-no-reboot`) and the builder starts it
 * again without the installer media; `stay`: the installer leaves a system that is already the one to provision
 * (SSH is waited for at once).
 */
export interface InstallPlan {
  readonly files: HttpFileMap;
  /** From power-on until the installer runs (typed boot line, console login). */
  readonly bootSteps: readonly ConsoleStep[];
  /** From the installer running until it has finished and the guest leaves the installer. */
  readonly installSteps: readonly ConsoleStep[];
  /** From leaving the installer until the installed system is up (its login prompt); SSH is waited for after. */
  readonly rebootSteps?: readonly ConsoleStep[];
  readonly kernelBoot?: KernelBoot;
  readonly afterInstall: 'reboot-in-place' | 'restart-from-disk' | 'stay';
  /** More QEMU arguments for the installer run and the boots after it. */
  readonly qemuArgs?: readonly string[];
  /** Who the build key logs in as on the installed system. */
  readonly username: string;
  /** Checked before QEMU starts: a smaller disk is TNB307 at once. */
  readonly minDiskBytes?: number;
}

export interface InstallDriver {
  readonly name: string;
  plan(context: InstallContext): InstallPlan | Promise<InstallPlan>;
}
