import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import { assertGuestPath } from './guest-path.ts';
import type { ModuleContext } from './module-context.ts';
import { probeFiles } from './remote-files.ts';

/**
 * Before a run of consecutive file/template steps, fetches all their targets' states in one round trip; each step
 * then takes its own state from the batch. Any other step, or any change, drops the batch (it may be stale).
 */
export async function prefetchFileStates(
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
