import type { Logger } from '../host/command-runner.ts';
import type { MachineSpec } from './machine-spec.ts';
import type { SerialConsole } from './serial-console.ts';

/** How QEMU ended. */
export interface QemuExit {
  readonly exitCode?: number;
  readonly signal?: string;
  readonly stderrTail: readonly string[];
}

/** A running QEMU: its serial console, its end, and ways to stop it. */
export interface QemuProcess {
  readonly pid: number | undefined;
  readonly console: SerialConsole;
  /** Settles (never rejects) when QEMU has exited. */
  readonly exited: Promise<QemuExit>;
  readonly hasExited: boolean;
  /** ACPI power button via QMP, wait up to `deadlineMs`, then QMP `quit`, then SIGKILL. */
  shutdown(options?: { deadlineMs?: number }): Promise<QemuExit>;
  /** SIGKILL now and wait for the exit. */
  kill(): Promise<QemuExit>;
}

export interface StartQemuOptions {
  /** Path or name of `qemu-system-<arch>`. */
  readonly binary: string;
  /** Aborting kills QEMU. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** Starts QEMU for a machine; tests pass a fake, the builder uses execaQemuLauncher. */
export interface QemuLauncher {
  start(spec: MachineSpec, options: StartQemuOptions): Promise<QemuProcess>;
}
