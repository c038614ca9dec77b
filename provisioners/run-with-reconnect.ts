import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import type { ModuleContext, ModuleResult } from './module-context.ts';
import { isSafeToRetry, runModule } from './modules/run-module.ts';
import type { ProvisionEvent } from './provision-events.ts';

/**
 * Runs a step; when the connection drops in the middle of it (TNB406), reconnects and runs it once more if the step
 * is safe to run twice, else fails saying why it was not retried.
 */
export async function runWithReconnect(
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
