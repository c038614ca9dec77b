import { quoteShell } from './shell-quote.ts';

/** How a non-root login user becomes root (or another user). `none`: it cannot. */
export type BecomeMethod = 'sudo' | 'doas' | 'none';

export interface WrapOptions {
  readonly loginUser: string;
  /** @default 'root' */
  readonly asUser?: string;
  readonly become: BecomeMethod;
}

/**
 * Returns the command line that runs `command` (a POSIX sh script) as `asUser`. As the login user it is sent as is; as
 * root, `su` switches to another user; otherwise `sudo -n` / `doas -n` (never prompt: a password prompt would hang).
 */
export function wrapCommand(command: string, options: WrapOptions): string {
  const asUser = options.asUser ?? 'root';
  if (asUser === options.loginUser) return command;
  const script = quoteShell(command);
  if (options.loginUser === 'root') return `su -s /bin/sh ${quoteShell(asUser)} -c ${script}`;
  switch (options.become) {
    case 'sudo':
      return asUser === 'root'
        ? `sudo -n -H -- sh -c ${script}`
        : `sudo -n -H -u ${quoteShell(asUser)} -- sh -c ${script}`;
    case 'doas':
      return asUser === 'root'
        ? `doas -n -- sh -c ${script}`
        : `doas -n -u ${quoteShell(asUser)} -- sh -c ${script}`;
    case 'none':
      throw new Error(
        `this needs to run as ${asUser}, but the login user is ${options.loginUser} and privilege escalation is off (become: 'none')`,
      );
  }
}

/** What a failed `sudo -n`/`doas -n` prints: a password would be needed, or no rule allows it. */
export function isBecomeFailure(stderr: string): boolean {
  return /sudo: (a password is required|a terminal is required|.* is not in the sudoers file)|doas: (Authorization required|Operation not permitted|a password is required)/i.test(
    stderr,
  );
}
