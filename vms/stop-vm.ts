import { rm } from 'node:fs/promises';
import { QmpClient } from '../builders/qmp-client.ts';
import { readRunningPid, waitForExit } from './vm-process.ts';
import { loadVm } from './vm-status.ts';
import { resolveVmsRoot } from './vms-root.ts';

export interface StopVmOptions {
  readonly vmsRoot?: string;
  /** How long the guest gets to power off after the ACPI button. @default 60000 */
  readonly deadlineMs?: number;
}

export interface StopVmResult {
  /** `acpi`: the guest powered off; `quit`: it ignored the button and QEMU was told to quit; `kill`: SIGKILL. */
  readonly method: 'acpi' | 'quit' | 'kill' | 'not-running';
  readonly elapsedMs: number;
}

async function qmp(socket: string, command: string): Promise<boolean> {
  const client = await QmpClient.connect(socket, 2000).catch(() => undefined);
  if (client === undefined) return false;
  try {
    await client.execute(command);
    return true;
  } catch {
    // `quit` may close the socket before the reply arrives.
    return command === 'quit';
  } finally {
    client.close();
  }
}

/** Graceful stop: ACPI power button via QMP, wait up to the deadline, then QMP `quit`, then SIGKILL. */
export async function stopVm(name: string, options: StopVmOptions = {}): Promise<StopVmResult> {
  const started = Date.now();
  const { paths } = await loadVm(name, options.vmsRoot ?? resolveVmsRoot());
  const pid = await readRunningPid(paths);
  const elapsed = (): number => Date.now() - started;
  if (pid === undefined) {
    await rm(paths.pidFile, { force: true });
    return { method: 'not-running', elapsedMs: elapsed() };
  }
  let method: StopVmResult['method'] = 'acpi';
  if (
    !(
      (await qmp(paths.qmpSocket, 'system_powerdown')) &&
      (await waitForExit(pid, paths, options.deadlineMs ?? 60_000))
    )
  ) {
    method = 'quit';
    if (!((await qmp(paths.qmpSocket, 'quit')) && (await waitForExit(pid, paths, 5000)))) {
      method = 'kill';
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      await waitForExit(pid, paths, 5000);
    }
  }
  await rm(paths.pidFile, { force: true });
  return { method, elapsedMs: elapsed() };
}
