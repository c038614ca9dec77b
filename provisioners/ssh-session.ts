// What modules see of the guest: run a command, move bytes. The ssh2 implementation is in ssh2-session.ts; tests can
// pass anything with this shape.

export interface ExecOptions {
  /** Milliseconds before the command is killed and the call fails with TNB402. @default the session's default */
  readonly timeoutMs?: number;
  /** Bytes written to the command's stdin, then EOF. */
  readonly stdin?: string | Buffer;
  /**
   * Who runs the command. The session wraps it (`su`, `sudo -n`, `doas -n`) when this is not the login user.
   * @default 'root'
   */
  readonly user?: string;
}

export interface ExecResult {
  /** The wrapped command as sent, for error messages. */
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SshSession {
  /** The user the connection logged in as. */
  readonly loginUser: string;
  /** Whether commands can run as users other than the login user (root login, or sudo/doas configured). */
  readonly canBecome: boolean;
  /** Runs a POSIX shell command line. Resolves with any exit code; rejects on timeout (TNB402) or a lost connection (TNB406). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file as the login user over SFTP (created with `mode`, default 0600). */
  writeFile(remotePath: string, data: Buffer | string, options?: { readonly mode?: number }): Promise<void>;
  /** Copies a local file to the guest as the login user over SFTP. */
  uploadFile(localPath: string, remotePath: string, options?: { readonly mode?: number }): Promise<void>;
  /** Drops the connection (if any) and connects again, with the same pinned host key. */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}
