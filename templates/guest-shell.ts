/** What a command run in the guest returned. */
export interface GuestExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The part of an SSH session that sealing and package listing need: run one shell command as root. The build's
 * `SshSession` (provisioners/) satisfies it; tests pass a fake. Kept this small on purpose, so templates/ does not
 * depend on how the session is made.
 */
export interface GuestShell {
  exec(
    command: string,
    options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal },
  ): Promise<GuestExecResult>;
}

/** `'it''s'` → `'it'\''s'`: one shell word, whatever the text holds. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
