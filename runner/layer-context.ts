import type { FetchOptions } from '../artifacts/index.ts';
import type { AccelChoice } from '../builders/index.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import type { CommandRunner, Logger } from '../host/command-runner.ts';
import type { PlannedLayer } from '../plan/plan-build.ts';
import type { TemplateStore } from '../templates/index.ts';
import type { BuildListener, LayerStage } from './build-event.ts';

/** Everything one layer's build needs, passed down from runBuild. */
export interface LayerContext {
  readonly layer: PlannedLayer;
  readonly recipe: ResolvedRecipe;
  readonly store: TemplateStore;
  /** This build's logs: serial console, provisioning transcript. */
  readonly logDir: string;
  readonly accel: AccelChoice;
  readonly onError: 'remove' | 'keep';
  /** A build machine whose console is this long silent, on a guest that takes no TCP, is booted again once. */
  readonly bootStallMs?: number;
  readonly fetchOptions: FetchOptions;
  readonly runner: CommandRunner;
  readonly logger: Logger;
  readonly emit: BuildListener;
  readonly signal?: AbortSignal;
}

/** Runs `work` as a named stage: start/done/failed events with timings. */
export async function runStage<T>(
  context: LayerContext,
  stage: LayerStage,
  work: () => Promise<T>,
  detail?: (result: T) => string,
): Promise<T> {
  const started = Date.now();
  const recipe = context.layer.recipe;
  context.emit({ type: 'stage', recipe, stage, status: 'start', elapsedMs: 0 });
  try {
    const result = await work();
    const text = detail?.(result);
    context.emit({
      type: 'stage',
      recipe,
      stage,
      status: 'done',
      elapsedMs: Date.now() - started,
      ...(text && { detail: text }),
    });
    return result;
  } catch (error) {
    context.emit({
      type: 'stage',
      recipe,
      stage,
      status: 'failed',
      elapsedMs: Date.now() - started,
      detail: (error as Error).message,
    });
    throw error;
  }
}
