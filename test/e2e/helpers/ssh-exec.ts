import { runOverSsh, type SshTarget } from '../../../builders/run-over-ssh.ts';

/** Runs one command over SSH with the pinned host key (the builder's own client); resolves with stdout and exit code. */
export async function sshExec(
  target: SshTarget,
  command: string,
): Promise<{ stdout: string; code: number | undefined }> {
  const result = await runOverSsh(target, command, { timeoutMs: 60_000 });
  return { stdout: result.stdout, code: result.exitCode };
}
