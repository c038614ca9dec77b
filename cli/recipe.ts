import type { AccelChoice } from '../builders/index.ts';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { TnbuildError } from '../errors/index.ts';
import { planRecipe } from '../runner/plan-recipe.ts';
import { runBuild } from '../runner/run-build.ts';
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
  readonly signal?: AbortSignal;
}

/** `tnbuild recipe <name>`: build the recipe's template (and its parents'), or reuse them when nothing changed. */
export async function recipe(name: string, options: RecipeCommandOptions): Promise<string[]> {
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
  const logger = createConsoleLogger(options.verbose, options.json);
  const json = options.json ?? false;
  const show = <T>(run: Parameters<typeof showBuild<T>>[1]) => showBuild(plan, run, undefined, json);
  const fetchOptions = fetchOptionsFor(options, logger);
  const { recipe: pinned, plan } = await planRecipe(resolved, options.arch, fetchOptions);
  const runOptions = {
    recipe: pinned,
    output: options.output,
    force: options.force ?? false,
    accel: options.accel ?? 'auto',
    onError: options.onError ?? 'remove',
    fetchOptions,
    logger,
    ...(options.signal && { signal: options.signal }),
  } as const;

  if (options.check) {
    const { checkBuild } = await import('../runner/check-build.ts');
    const { formatRecap } = await import('../provisioners/recap.ts');
    const result = await show((emit) =>
      checkBuild(plan, { ...runOptions, diff: options.diff ?? false, onEvent: emit }),
    );
    if (json) {
      const { recap } = result.provision;
      return [JSON.stringify({ type: 'result', recipe: name, check: true, against: result.against, recap })];
    }
    return [`check ${name} against ${result.against}`, formatRecap(result.provision.recap)];
  }
  const result = await show((emit) => runBuild(plan, { ...runOptions, onEvent: emit }));
  if (json) {
    return [
      JSON.stringify({
        type: 'result',
        recipe: name,
        template: { name: result.template.name, key: result.template.key, dir: result.template.dir },
        layers: result.layers,
      }),
    ];
  }
  const reused = result.layers.filter((layer) => layer.outcome !== 'built').map((layer) => layer.recipe);
  return [
    `${name}: ${result.template.dir}`,
    reused.length === result.layers.length
      ? 'cache hit: nothing changed, no VM started'
      : `built ${result.layers
          .filter((layer) => layer.outcome === 'built')
          .map((layer) => layer.recipe)
          .join(', ')}${reused.length ? `; reused ${reused.join(', ')}` : ''}`,
  ];
}
