import {
  type BootStall,
  type BootStallWatch,
  DEFAULT_BOOT_STALL_MS,
  keepStalledBoot,
  logSize,
  stalledTwiceHint,
  watchBootStall,
} from '../builders/boot-stall.ts';
import { describeGuestState } from '../builders/guest-state.ts';
import { QmpClient } from '../builders/qmp-client.ts';
import { bannerWaitSeconds } from '../builders/ssh-banner.ts';
import { whatSshSaw } from '../builders/what-ssh-saw.ts';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { type SshVmOptions, sshVm } from './ssh-vm.ts';
import { readRunningPid } from './vm-process.ts';
import { loadVm } from './vm-status.ts';
import { resolveVmsRoot } from './vms-root.ts';

export interface WaitForVmSshOptions extends Omit<SshVmOptions, 'command'> {
  /** @default 300000 */
  readonly deadlineMs?: number;
  /** Pause between attempts (an attempt that finds no sshd ends at once, or when its banner wait runs out). @default 250 */
  readonly intervalMs?: number;
  readonly runner?: CommandRunner;
  readonly signal?: AbortSignal;
  /**
   * A console silent this long, on a guest that takes no TCP on port 22, is a stalled boot: the machine is reset
   * once (`onWarning` says so), and a second stall is TNB400 at once. @default 180000
   */
  readonly bootStallMs?: number;
  /** Where this boot's console begins in the serial log (`startVm`'s `bootStartSize`). @default its size when the wait begins */
  readonly bootStartSize?: number;
  readonly onWarning?: (message: string) => void;
}

const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/;
const BANNER_TIMED_OUT = /timed out during banner exchange/;

/**
 * QEMU's reset button: the machine boots again from its disk, its seed still attached. A machine QEMU holds paused
 * (stopped over QMP, a disk error, a guest panic) would stay paused through the reset, so it is let run.
 */
async function resetMachine(qmpSocket: string): Promise<void> {
  const qmp = await QmpClient.connect(qmpSocket);
  try {
    await qmp.execute('system_reset');
    const status = (await qmp.execute('query-status')) as { running?: boolean };
    if (status.running !== true) await qmp.execute('cont');
  } finally {
    qmp.close();
  }
}

/**
 * Polls `ssh … true` with the pinned host key (the same argv `sshVm` gives) until the guest lets the user in.
 * Returns how long it took. A different host key fails at once (TNB403); QEMU exiting or the deadline, TNB400.
 * A boot that stalls for good (`watchBootStall`) is reset once, its console and QEMU's account kept in the VM's
 * folder as boot-1-serial.log and boot-1-guest-state.txt, and the deadline starts again for the boot after it; a
 * second stall is TNB400 at once.
 */
export async function waitForVmSsh(name: string, options: WaitForVmSshOptions = {}): Promise<number> {
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const runner = options.runner ?? execaCommandRunner;
  const deadlineMs = options.deadlineMs ?? 300_000;
  const { paths, record } = await loadVm(name, vmsRoot);
  const argv = await sshVm(name, { ...options, vmsRoot, command: ['true'] });
  const ssh = record.ports.find((port) => port.guest === 22);
  const forward = ssh && {
    qmpSocket: paths.qmpSocket,
    host: '127.0.0.1',
    port: ssh.host,
    guestPort: ssh.guest,
  };
  const watchFrom = (startSize: number): BootStallWatch | undefined =>
    forward &&
    watchBootStall({
      ...forward,
      serialLog: paths.serialLog,
      quietMs: options.bootStallMs ?? DEFAULT_BOOT_STALL_MS,
      startSize,
    });
  const started = Date.now();
  let bootStart = options.bootStartSize ?? (await logSize(paths.serialLog));
  let watch = watchFrom(bootStart);
  let reset = false;
  let deadline = started + deadlineMs;
  let lastStderr = '';
  let bannerTimeouts = 0;

  /** The first stall: the console kept, the machine reset, watched again from the log's end. */
  const bootAgain = async (stall: BootStall): Promise<void> => {
    const kept = await keepStalledBoot(paths.dir, paths.serialLog, 1, stall, bootStart);
    bootStart = await logSize(paths.serialLog);
    await resetMachine(paths.qmpSocket);
    const where = kept.length
      ? `the stalled boot's ${kept.join(' and ')} are in ${paths.dir}`
      : `the stalled boot's console could not be kept in ${paths.dir}; it is in ${paths.serialLog}`;
    options.onWarning?.(`${name}'s boot stalled (${stall.reason}): reset it to boot again; ${where}`);
    reset = true;
    watch = watchFrom(bootStart);
    deadline = Date.now() + deadlineMs;
  };

  try {
    for (;;) {
      if (options.signal?.aborted)
        throw new TnbuildError('TNB306', `interrupted while waiting for ${name}'s sshd`);
      // ssh's ConnectTimeout bounds the connect and the wait for sshd's banner: short while the guest may be down.
      const connectTimeout = `ConnectTimeout=${bannerWaitSeconds(bannerTimeouts)}`;
      const args = ['-o', 'BatchMode=yes', '-o', connectTimeout, ...argv.args];
      const result = await runner.run(argv.file, args, { reject: false, timeout: 30_000 });
      if (result.exitCode === 0) return Date.now() - started;
      lastStderr = result.stderr;
      bannerTimeouts = BANNER_TIMED_OUT.test(result.stderr) ? bannerTimeouts + 1 : 0;
      if (HOST_KEY_CHANGED.test(result.stderr)) {
        throw new TnbuildError('TNB403', `${name} presented a host key other than the one its seed holds`, {
          details: result.stderr.trim().split('\n').slice(-5),
        });
      }
      if ((await readRunningPid(paths)) === undefined) {
        throw new TnbuildError('TNB400', `${name} stopped while waiting for its sshd`, {
          details: [`serial log: ${paths.serialLog}`],
        });
      }
      const stall = watch?.stalled();
      if (stall && reset) {
        throw new TnbuildError(
          'TNB400',
          `${name}'s boot stalled: ${stall.reason} (reset after the first boot stalled)`,
          {
            details: [...stall.guestState, `serial log: ${paths.serialLog}`],
            hint: `${stalledTwiceHint(paths.dir)} Stop it with \`tnbuild vm stop ${name}\`.`,
          },
        );
      }
      if (stall) {
        watch?.stop();
        await bootAgain(stall);
        bannerTimeouts = 0;
        continue;
      }
      if (Date.now() >= deadline) {
        const guestState = forward === undefined ? [] : await describeGuestState(forward);
        throw new TnbuildError(
          'TNB400',
          `${name}'s sshd did not let ${options.user ?? 'the user'} in within ${Math.round((Date.now() - started) / 1000)} s`,
          {
            details: [
              `last ssh error: ${lastStderr.trim().split('\n').at(-1) ?? ''}`,
              whatSshSaw(lastStderr),
              ...guestState,
              `serial log: ${paths.serialLog}`,
            ],
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  } finally {
    watch?.stop();
  }
}
