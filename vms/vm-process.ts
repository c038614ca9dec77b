import { readFile } from 'node:fs/promises';
import type { VmPaths } from './vm-paths.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is this VM's QEMU: alive, not a zombie, and (where /proc exists) started with this VM's pid file,
 * so a pid reused by another program after a host reboot is never signalled.
 */
export async function isVmProcess(pid: number, paths: VmPaths): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return process.platform !== 'linux';
  if (/^\d+ \(.*\) Z/.test(stat)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(paths.pidFile);
}

/** The running QEMU's pid from the pid file, or undefined when the VM is stopped (a stale pid file included). */
export async function readRunningPid(paths: VmPaths): Promise<number | undefined> {
  const text = await readFile(paths.pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isVmProcess(pid, paths)) ? pid : undefined;
}

/**
 * A process part way through exiting: its memory is gone (so is its command line) but not yet its open files, so a
 * QEMU in this state still holds its disk's lock. The kernel releases memory before files.
 */
async function isExiting(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined || /^\d+ \(.*\) [ZX]/.test(stat)) return false;
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)) === '';
}

/** Resolves true once the process is gone (a zombie at most: its files closed), false at the deadline. */
export async function waitForExit(pid: number, paths: VmPaths, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (!(await isVmProcess(pid, paths)) && !(await isExiting(pid))) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
