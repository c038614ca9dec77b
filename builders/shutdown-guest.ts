import type { QemuExit, QemuProcess } from './qemu-process.ts';
import { runOverSsh, type SshTarget } from './run-over-ssh.ts';
import { waitAtMost } from './wait-at-most.ts';

const SSH_COMMAND_MS = 15_000;

/**
 * Packer's shutdown_command: asks the guest to power off over SSH; if QEMU has not exited by the deadline, the ACPI
 * power button, QMP quit and SIGKILL follow (QemuProcess.shutdown).
 */
export async function shutdownGuest(
  qemu: QemuProcess,
  ssh: SshTarget,
  command: string,
  deadlineMs: number,
): Promise<QemuExit> {
  if (qemu.hasExited) return qemu.exited;
  const started = Date.now();
  // The connection usually drops as the guest goes down: that is success, not an error.
  await runOverSsh(ssh, command, { timeoutMs: SSH_COMMAND_MS }).catch(() => undefined);
  const exit = await waitAtMost(
    qemu.exited,
    Math.max(0, deadlineMs - (Date.now() - started) - SSH_COMMAND_MS),
  );
  return exit ?? qemu.shutdown({ deadlineMs: 10_000 });
}
