import { TnbuildError } from '../errors/index.ts';
import { RemoteCommandError } from './exec-error.ts';
import { execAdmin, type ModuleContext } from './module-context.ts';
import type { StepReport } from './provision.ts';
import type { ProvisionEvent } from './provision-events.ts';
import type { StepStatus } from './recap.ts';
import type { Transcript } from './transcript.ts';

/**
 * Restarts each notified service once, in the order first notified, unless a step after its last notification
 * already (re)started it. Reports each restart like a step of module `handler`; stops at the first failure.
 */
export async function runHandlers(
  ctx: ModuleContext,
  notified: ReadonlyMap<string, number>,
  restarted: ReadonlyMap<string, number>,
  reports: StepReport[],
  io: { readonly emit: (event: ProvisionEvent) => void; readonly transcript: Transcript },
): Promise<TnbuildError | undefined> {
  let index = reports.length;
  for (const [service, notifiedAt] of notified) {
    if ((restarted.get(service) ?? -1) > notifiedAt) continue;
    const base = { index, name: `restart ${service}`, module: 'handler', field: 'notify' };
    index += 1;
    io.emit({ type: 'step-start', ...base });
    const t0 = performance.now();
    const outcome = await restart(ctx, service);
    const durationMs = performance.now() - t0;
    reports.push({ ...base, ...outcome, durationMs });
    io.emit({ type: 'step-end', ...base, status: outcome.status, reason: outcome.reason, durationMs });
    io.transcript.write({
      type: 'handler',
      ...base,
      status: outcome.status,
      reason: outcome.reason,
      durationMs: Math.round(durationMs * 10) / 10,
    });
    if (outcome.error) return outcome.error;
  }
  return undefined;
}

async function restart(
  ctx: ModuleContext,
  service: string,
): Promise<{ status: StepStatus; reason: string; error?: TnbuildError }> {
  if (ctx.check) return { status: 'changed', reason: `would restart ${service}` };
  try {
    const result = await execAdmin(ctx, ctx.family.restartService(service));
    if (result.exitCode !== 0) throw new RemoteCommandError(`restarting ${service}`, result);
    return { status: 'changed', reason: `restarted ${service}` };
  } catch (failure) {
    const code = failure instanceof TnbuildError ? failure.code : 'TNB401';
    const error = new TnbuildError(code, `handler "restart ${service}": ${(failure as Error).message}`, {
      field: 'notify',
      cause: failure,
      details: failure instanceof RemoteCommandError ? failure.details : [],
    });
    return { status: 'failed', reason: error.message, error };
  }
}
