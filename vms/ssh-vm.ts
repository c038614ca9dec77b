import { UNIX_NAME } from '../dsl/fields.ts';
import { TnbuildError } from '../errors/index.ts';
import { quoteWords } from '../provisioners/shell-quote.ts';
import { loadVm } from './vm-status.ts';
import { resolveVmsRoot } from './vms-root.ts';

export interface SshVmOptions {
  readonly vmsRoot?: string;
  /** @default the VM's login user */
  readonly user?: string;
  /** @default ssh's own choice (~/.ssh/id_*, the agent) */
  readonly identityFile?: string;
  /**
   * Run this instead of a login shell. One word is a command line for the guest's shell, as with ssh; several are an
   * argv, each word reaching the program as given (as with `limactl shell` or `docker exec`), not re-split by ssh.
   */
  readonly command?: readonly string[];
}

/**
 * The `ssh` argv that reaches the VM through its forwarded SSH port with the host key pinned: the key recorded at
 * create time is the only one accepted (HostKeyAlias=<name>, the VM's own known_hosts, StrictHostKeyChecking=yes).
 */
export async function sshVm(
  name: string,
  options: SshVmOptions = {},
): Promise<{ file: 'ssh'; args: string[] }> {
  const { record, paths } = await loadVm(name, options.vmsRoot ?? resolveVmsRoot());
  const user = options.user ?? record.user;
  if (!UNIX_NAME.test(user)) {
    throw new TnbuildError('TNB110', `${JSON.stringify(user)} is not a user name`, {
      hint: 'Use lower-case letters, digits, _ and -, starting with a letter or _.',
    });
  }
  const port = record.ports.find((forward) => forward.guest === 22);
  if (port === undefined) {
    throw new TnbuildError('TNB110', `${name} forwards no port to the guest's SSH port 22`);
  }
  const args = [
    '-p',
    String(port.host),
    '-o',
    `HostKeyAlias=${record.name}`,
    '-o',
    `UserKnownHostsFile=${paths.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'CheckHostIP=no',
    ...(options.identityFile ? ['-i', options.identityFile, '-o', 'IdentitiesOnly=yes'] : []),
    // Everything after `--` is the destination and the command, never an option, whatever the user name holds.
    '--',
    `${user}@127.0.0.1`,
    ...remoteCommand(options.command ?? []),
  ];
  return { file: 'ssh', args };
}

/** ssh joins its command words with spaces for the remote shell: `sh -c 'a; b'` would run `sh -c a`, then `b`. */
function remoteCommand(command: readonly string[]): string[] {
  return command.length <= 1 ? [...command] : [quoteWords(command)];
}
