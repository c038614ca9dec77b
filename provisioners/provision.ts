import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import type { TnbuildError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../host/command-runner.ts';
import { redactDeep } from '../host/secret-values.ts';
import { defaultFetchArtifact, type FetchArtifact } from './fetch-artifact-fn.ts';
import type { ModuleContext } from './module-context.ts';
import { notifiesOf } from './modules/run-module.ts';
import type { OsFamily } from './os-family/os-family.ts';
import { resolveFamily } from './os-family/resolve-family.ts';
import { prefetchFileStates } from './prefetch-file-states.ts';
import type { ProvisionEvent, StepReport } from './provision-events.ts';
import { countRecap, type Recap } from './recap.ts';
import { isSecretPath, redactStepArgs, redactText } from './redact-args.ts';
import { runHandlers } from './run-handlers.ts';
import { runWithReconnect } from './run-with-reconnect.ts';
import type { SshSession } from './ssh-session.ts';
import { toStepError } from './step-error.ts';
import { openTranscript, type Transcript } from './transcript.ts';

export type { StepReport };

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
  // Views print what they are told: a step name or a diff that holds a secret is redacted before it leaves.
  const emit = (event: ProvisionEvent) => options.onEvent?.(redactDeep(event));
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
