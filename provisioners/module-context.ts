import type { Arch } from '../dsl/schema.ts';
import type { Logger } from '../host/command-runner.ts';
import type { FetchArtifact } from './fetch-artifact-fn.ts';
import type { OsFamily } from './os-family/os-family.ts';
import type { FileState } from './remote-files.ts';
import type { ExecOptions, ExecResult, SshSession } from './ssh-session.ts';

/** What a module returns when it did not fail (a failure is thrown). */
export interface ModuleResult {
  readonly status: 'ok' | 'changed' | 'skipped';
  /** One line: what was found or done. */
  readonly reason: string;
  /** A unified diff of a file's content, when asked for and something differs. */
  readonly diff?: string;
  /** Services this step (re)started; a pending handler restart for them is then already done. */
  readonly restarted?: readonly string[];
}

/** State shared by the steps of one run. */
export interface RunState {
  /** The package index was refreshed in this run (apk --update-cache / apt-get update): never twice. */
  packageIndexRefreshed: boolean;
  /** File states fetched in one round trip for the file/template steps ahead; dropped when anything changes. */
  readonly fileStates: Map<string, FileState>;
}

export interface ModuleContext {
  readonly session: SshSession;
  readonly family: OsFamily;
  readonly arch: Arch;
  /** Report what would change; change nothing. */
  readonly check: boolean;
  /** Produce unified diffs of file contents. */
  readonly diff: boolean;
  readonly fetchArtifact: FetchArtifact;
  readonly logger: Logger;
  /** Where tnbuild keeps its own records in the guest (download markers). */
  readonly stateDir: string;
  readonly run: RunState;
}

/** The user that administers the guest: root when the session can become it, else the login user. */
export function adminUser(ctx: ModuleContext): string {
  return ctx.session.canBecome ? 'root' : ctx.session.loginUser;
}

/** Runs a script as the admin user. */
export function execAdmin(
  ctx: ModuleContext,
  script: string,
  options: Omit<ExecOptions, 'user'> = {},
): Promise<ExecResult> {
  return ctx.session.exec(script, { ...options, user: adminUser(ctx) });
}
