import type { FetchOptions } from '../artifacts/types.ts';
import type { AccelChoice } from '../builders/index.ts';
import { loadRecipe } from '../dsl/load-recipes.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { TnbuildError } from '../errors/index.ts';
import type { BuildPlan, PlannedLayer } from '../plan/plan-build.ts';
import { planRecipe } from '../runner/plan-recipe.ts';
import type { BuildResult } from '../runner/run-build.ts';
import { bootStallFromEnv } from './boot-stall-env.ts';
import { type DownloadFlags, fetchOptionsFor } from './fetch-options.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger } from './output.ts';
import { showBuild } from './views/build-view.ts';

export interface RecipeCommandOptions extends GlobalOptions, DownloadFlags {
  readonly force?: boolean;
  readonly check?: boolean;
  readonly diff?: boolean;
  readonly accel?: AccelChoice;
  readonly onError?: 'remove' | 'keep';
  /** How many recipes build at once. @default what the host's cores and free memory allow, at least 1 */
  readonly parallel?: number;
  readonly signal?: AbortSignal;
}

/**
 * `tnbuild recipe <name…>`: build each recipe's template (and its parents'), or reuse them when nothing changed.
 * Several names build side by side, at most `--parallel` at once, and a layer they share is built once.
 */
export async function recipe(
  names: string | readonly string[],
  options: RecipeCommandOptions,
): Promise<string[]> {
  const logger = createConsoleLogger(options.verbose, options.json);
  const json = options.json ?? false;
  const fetchOptions = fetchOptionsFor(options, logger);
  const bootStallMs = bootStallFromEnv(process.env.TNBUILD_BOOT_STALL);
  const planned: { name: string; recipe: ResolvedRecipe; plan: BuildPlan }[] = [];
  for (const name of new Set(typeof names === 'string' ? [names] : names)) {
    planned.push({ name, ...(await planNamed(name, options, fetchOptions)) });
  }
  const runOptions = (pinned: ResolvedRecipe) =>
    ({
      recipe: pinned,
      output: options.output,
      force: options.force ?? false,
      accel: options.accel ?? 'auto',
      onError: options.onError ?? 'remove',
      ...(bootStallMs !== undefined && { bootStallMs }),
      fetchOptions,
      logger,
      ...(options.signal && { signal: options.signal }),
    }) as const;

  if (options.check) {
    const { checkBuild } = await import('../runner/check-build.ts');
    const { formatRecap } = await import('../provisioners/recap.ts');
    const lines: string[] = [];
    for (const { name, recipe: pinned, plan } of planned) {
      const result = await showBuild(
        plan,
        (emit) => checkBuild(plan, { ...runOptions(pinned), diff: options.diff ?? false, onEvent: emit }),
        undefined,
        json,
      );
      const { recap } = result.provision;
      lines.push(
        ...(json
          ? [JSON.stringify({ type: 'result', recipe: name, check: true, against: result.against, recap })]
          : [`check ${name} against ${result.against}`, formatRecap(recap)]),
      );
    }
    return lines;
  }
  const { defaultParallel, runBuilds } = await import('../runner/run-builds.ts');
  const parallel =
    options.parallel ?? defaultParallel(planned.map(({ recipe: pinned }) => pinned.machine.memoryBytes));
  const builds = planned.map(({ recipe: pinned, plan }) => ({ plan, options: runOptions(pinned) }));
  const results = await showBuild(
    viewPlan(planned.map(({ plan }) => plan)),
    async (emit) => {
      const settled = await runBuilds(
        builds.map((build) => ({ ...build, options: { ...build.options, onEvent: emit } })),
        parallel,
      );
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.map((result) => (result as PromiseFulfilledResult<BuildResult>).value);
    },
    undefined,
    json,
    planned.length > 1,
  );
  if (json) {
    return results.map((result, index) =>
      JSON.stringify({
        type: 'result',
        recipe: planned[index]!.name,
        template: { name: result.template.name, key: result.template.key, dir: result.template.dir },
        layers: result.layers,
      }),
    );
  }
  const layers = results.flatMap((result) => result.layers);
  const built = [
    ...new Set(layers.filter((layer) => layer.outcome === 'built').map((layer) => layer.recipe)),
  ];
  const reused = [...new Set(layers.map((layer) => layer.recipe))].filter((name) => !built.includes(name));
  return [
    ...results.map((result, index) => `${planned[index]!.name}: ${result.template.dir}`),
    built.length === 0
      ? 'cache hit: nothing changed, no VM started'
      : `built ${built.join(', ')}${reused.length ? `; reused ${reused.join(', ')}` : ''}`,
  ];
}

/** A recipe loaded, checked against --arch, its published checksums pinned and its build planned. */
async function planNamed(
  name: string,
  options: RecipeCommandOptions,
  fetchOptions: FetchOptions,
): Promise<{ recipe: ResolvedRecipe; plan: BuildPlan }> {
  const resolved = await loadRecipe(options.recipes, name);
  if (!resolved.arches.includes(options.arch)) {
    throw new TnbuildError(
      'TNB110',
      `${name} is not built for ${options.arch}; it declares ${resolved.arches.join(', ')}`,
      {
        hint: `Pass --arch ${resolved.arches[0]}, or add ${options.arch} to the recipe's \`arch\`.`,
      },
    );
  }
  return planRecipe(resolved, options.arch, fetchOptions);
}

/** What the progress view shows for several builds: every layer once, parents first. */
function viewPlan(plans: readonly BuildPlan[]): BuildPlan {
  const layers = new Map<string, PlannedLayer>();
  for (const plan of plans) for (const layer of plan.layers) layers.set(layer.key, layer);
  return { ...plans[0]!, layers: [...layers.values()] };
}
