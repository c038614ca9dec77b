import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../host/command-runner.ts';
import { defaultFetchArtifact, type FetchArtifact } from './fetch-artifact-fn.ts';
import { assertGuestPath } from './guest-path.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from './module-context.ts';
import { isSafeToRetry, notifiesOf, runModule } from './modules/run-module.ts';
import type { OsFamily } from './os-family/os-family.ts';
import { resolveFamily } from './os-family/resolve-family.ts';
import type { ProvisionEvent } from './provision-events.ts';
import { countRecap, type Recap, type StepStatus } from './recap.ts';
import { isSecretPath, redactStepArgs, redactText } from './redact-args.ts';
import { probeFiles } from './remote-files.ts';
import type { SshSession } from './ssh-session.ts';
import { toStepError } from './step-error.ts';
import { openTranscript, type Transcript } from './transcript.ts';

export interface ProvisionOptions {
  /** The guest's one connection (connectSsh). The caller closes it. */
  readonly session: SshSession;
  readonly steps: readonly ResolvedStep[];
  readonly family: 'alpine' | 'debian' | OsFamily;
  readonly arch: Arch;
  /** Report what would change, with diffs when `diff` is set; change nothing in the guest. @default false */
  readonly check?: boolean;
  /** Unified diffs of file and template contents in the events and the transcript. @default false */
  readonly diff?: boolean;
  /** @default the artifact cache's fetchArtifact */
  readonly fetchArtifact?: FetchArtifact;
  readonly logger?: Logger;
  readonly onEvent?: (event: ProvisionEvent) => void;
  /** JSON-lines transcript: one line per step and handler, then the recap. */
  readonly transcriptPath?: string;
  /** The recipe file, for error locations. */
  readonly recipeFile?: string;
  /** Where tnbuild keeps its records in the guest (download markers). @default '/var/lib/tnbuild' */
  readonly stateDir?: string;
  /** Stat consecutive file/template targets in one round trip. @default true */
  readonly batchProbes?: boolean;
}

export interface StepReport {
  readonly index: number;
  readonly name: string;
  readonly module: string;
  readonly field: string;
  readonly status: StepStatus;
  readonly reason: string;
  readonly diff?: string;
  readonly durationMs: number;
  readonly error?: TnbuildError;
}

export interface ProvisionResult {
  readonly recap: Recap;
  readonly steps: readonly StepReport[];
  /** The first failure; the run stopped there. */
  readonly error?: TnbuildError;
}

/**
 * Runs the steps in order over one connection and stops at the first failure. Steps that changed something notify
 * their services, which are restarted once each at the end (unless a later step already restarted them). A step
 * interrupted by a dropped connection is retried once on a new connection when it is safe to run again.
 */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const ctx: ModuleContext = {
    session: options.session,
    family: resolveFamily(options.family),
    arch: options.arch,
    check: options.check ?? false,
    diff: options.diff ?? false,
    fetchArtifact: options.fetchArtifact ?? defaultFetchArtifact,
    logger: options.logger ?? silentLogger,
    stateDir: options.stateDir ?? '/var/lib/tnbuild',
    run: { packageIndexRefreshed: false, fileStates: new Map() },
  };
  const transcript = await openTranscript(options.transcriptPath);
  transcript.write({
    type: 'start',
    family: ctx.family.name,
    arch: ctx.arch,
    check: ctx.check,
    loginUser: ctx.session.loginUser,
    steps: options.steps.length,
  });
  emit({ type: 'run-start', steps: options.steps.length, check: ctx.check });
  const reports: StepReport[] = [];
  const notified = new Map<string, number>();
  const restarted = new Map<string, number>();
  let failure: TnbuildError | undefined;
  let recap = countRecap([], 0);
  try {
    for (const [index, step] of options.steps.entries()) {
      if (options.batchProbes ?? true) await prefetchFileStates(ctx, options.steps, index);
      else ctx.run.fileStates.clear();
      const report = await runStep(ctx, step, index, { emit, transcript, recipeFile: options.recipeFile });
      reports.push(report);
      if (report.error) {
        failure = report.error;
        break;
      }
      if (report.status === 'changed') for (const service of notifiesOf(step)) notified.set(service, index);
    }
    if (!failure) failure = await runHandlers(ctx, notified, restarted, reports, { emit, transcript });
  } finally {
    recap = countRecap(
      reports.map((report) => report.status),
      performance.now() - started,
    );
    transcript.write({
      type: 'recap',
      ...recap,
      ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
    });
    await transcript.close();
    emit({ type: 'run-end', recap });
  }
  return { recap, steps: reports, ...(failure ? { error: failure } : {}) };

  async function runStep(
    context: ModuleContext,
    step: ResolvedStep,
    index: number,
    io: { emit: (event: ProvisionEvent) => void; transcript: Transcript; recipeFile: string | undefined },
  ): Promise<StepReport> {
    const base = { index, name: step.name, module: step.type, field: step.field };
    io.emit({ type: 'step-start', ...base });
    const t0 = performance.now();
    let report: StepReport;
    try {
      const result = await runWithReconnect(context, step, index, io.emit);
      for (const service of result.restarted ?? []) restarted.set(service, index);
      if (result.status === 'changed') context.run.fileStates.clear();
      report = {
        ...base,
        status: result.status,
        reason: result.reason,
        ...(result.diff ? { diff: redactText(result.diff) } : {}),
        durationMs: performance.now() - t0,
      };
    } catch (error) {
      const stepError = toStepError(error, step, io.recipeFile);
      report = {
        ...base,
        status: 'failed',
        reason: stepError.message,
        durationMs: performance.now() - t0,
        error: stepError,
      };
    }
    io.emit({
      type: 'step-end',
      ...base,
      status: report.status,
      reason: report.reason,
      ...(report.diff ? { diff: report.diff } : {}),
      durationMs: report.durationMs,
    });
    io.transcript.write({
      type: 'step',
      ...base,
      args: redactStepArgs(step),
      status: report.status,
      reason: report.reason,
      ...(report.diff
        ? { diff: 'path' in step && isSecretPath(step.path) ? '[redacted]' : report.diff }
        : {}),
      ...(report.error
        ? { error: { code: report.error.code, message: report.error.message, details: report.error.details } }
        : {}),
      durationMs: Math.round(report.durationMs * 10) / 10,
    });
    return report;
  }
}

async function runWithReconnect(
  ctx: ModuleContext,
  step: ResolvedStep,
  index: number,
  emit: (event: ProvisionEvent) => void,
): Promise<ModuleResult> {
  try {
    return await runModule(ctx, step);
  } catch (error) {
    if (!isTnbuildError(error) || error.code !== 'TNB406') throw error;
    if (!isSafeToRetry(step)) {
      throw new TnbuildError(
        'TNB406',
        `${error.message}; it is a shell command without \`creates\` or \`unless\`, so it was not run again (it may or may not have finished)`,
        { cause: error },
      );
    }
    emit({ type: 'reconnect', index, name: step.name, reason: error.message });
    ctx.logger.warn(`SSH connection lost during "${step.name}"; reconnecting and running the step again`);
    ctx.run.fileStates.clear();
    await ctx.session.reconnect();
    return runModule(ctx, step);
  }
}

/** Before a run of file/template steps, fetch all their targets' states in one round trip. */
async function prefetchFileStates(
  ctx: ModuleContext,
  steps: readonly ResolvedStep[],
  from: number,
): Promise<void> {
  const first = steps[from];
  if (!first || (first.type !== 'file' && first.type !== 'template')) {
    ctx.run.fileStates.clear();
    return;
  }
  if (ctx.run.fileStates.size > 0) return;
  const paths: string[] = [];
  for (let index = from; index < steps.length && paths.length < 500; index += 1) {
    const step = steps[index] as ResolvedStep;
    if (step.type !== 'file' && step.type !== 'template') break;
    try {
      paths.push(assertGuestPath(step.path));
    } catch {
      break;
    }
  }
  const unique = [...new Set(paths)];
  if (unique.length < 2) return;
  try {
    const states = await probeFiles(ctx, unique);
    for (const [index, path] of unique.entries()) {
      const state = states[index];
      if (state) ctx.run.fileStates.set(path, state);
    }
  } catch {
    // The steps probe one by one and report their own errors.
    ctx.run.fileStates.clear();
  }
}

async function runHandlers(
  ctx: ModuleContext,
  notified: ReadonlyMap<string, number>,
  restarted: ReadonlyMap<string, number>,
  reports: StepReport[],
  io: { emit: (event: ProvisionEvent) => void; transcript: Transcript },
): Promise<TnbuildError | undefined> {
  let index = reports.length;
  for (const [service, notifiedAt] of notified) {
    if ((restarted.get(service) ?? -1) > notifiedAt) continue;
    const base = { index, name: `restart ${service}`, module: 'handler', field: 'notify' };
    index += 1;
    io.emit({ type: 'step-start', ...base });
    const t0 = performance.now();
    let status: StepStatus = 'changed';
    let reason = ctx.check ? `would restart ${service}` : `restarted ${service}`;
    let error: TnbuildError | undefined;
    if (!ctx.check) {
      const result = await execAdmin(ctx, ctx.family.restartService(service)).catch(
        (failure: unknown) => failure,
      );
      if (!(result && typeof result === 'object' && 'exitCode' in result) || result.exitCode !== 0) {
        status = 'failed';
        const detail =
          result instanceof Error ? result.message : `exit ${(result as { exitCode: number }).exitCode}`;
        error = new TnbuildError('TNB401', `handler "restart ${service}": ${detail}`, {
          field: 'notify',
          details:
            result && typeof result === 'object' && 'stderr' in result ? [String(result.stderr).trim()] : [],
        });
        reason = error.message;
      }
    }
    const durationMs = performance.now() - t0;
    reports.push({ ...base, status, reason, durationMs, ...(error ? { error } : {}) });
    io.emit({ type: 'step-end', ...base, status, reason, durationMs });
    io.transcript.write({
      type: 'handler',
      ...base,
      status,
      reason,
      durationMs: Math.round(durationMs * 10) / 10,
    });
    if (error) return error;
  }
  return undefined;
}
