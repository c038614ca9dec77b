import { describeGuestState } from '../builders/guest-state.ts';
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
}

const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/;
const BANNER_TIMED_OUT = /timed out during banner exchange/;

/**
 * Polls `ssh … true` with the pinned host key (the same argv `sshVm` gives) until the guest lets the user in.
 * Returns how long it took. A different host key fails at once (TNB403); QEMU exiting or the deadline, TNB400.
 */
export async function waitForVmSsh(name: string, options: WaitForVmSshOptions = {}): Promise<number> {
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const runner = options.runner ?? execaCommandRunner;
  const { paths, record } = await loadVm(name, vmsRoot);
  const argv = await sshVm(name, { ...options, vmsRoot, command: ['true'] });
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 300_000);
  let lastStderr = '';
  let bannerTimeouts = 0;
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
    if (Date.now() >= deadline) {
      const ssh = record.ports.find((port) => port.guest === 22);
      const guestState =
        ssh === undefined
          ? []
          : await describeGuestState({
              qmpSocket: paths.qmpSocket,
              host: '127.0.0.1',
              port: ssh.host,
              guestPort: ssh.guest,
            });
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
}
