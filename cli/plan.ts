import { loadRecipe } from '../dsl/load-recipes.ts';
import { formatPlan, type PlanStatus } from '../plan/format-plan.ts';
import { imageCodeVersion } from '../plan/image-code-version.ts';
import { type BuildPlan, planBuild } from '../plan/plan-build.ts';
import type { GlobalOptions } from './global-options.ts';

export interface PlanOptions extends GlobalOptions {
  readonly json?: boolean;
  readonly status?: PlanStatus;
}

/** `tnbuild plan <name>`: the layers, every step in order, the cache keys and the downloads. No VM. */
export async function plan(name: string, options: PlanOptions): Promise<{ plan: BuildPlan; text: string }> {
  const recipe = await loadRecipe(options.recipes, name);
  const built = planBuild(recipe, options.arch, imageCodeVersion());
  const text = options.json ? JSON.stringify(built, null, 2) : formatPlan(built, options.status);
  return { plan: built, text };
}
