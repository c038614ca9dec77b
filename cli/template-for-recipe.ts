import { loadRecipe } from '../dsl/load-recipes.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { planRecipe } from '../runner/plan-recipe.ts';
import { findTemplate, type Template } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';
import { storeFor } from './store-for.ts';

/**
 * The key a build of the recipe would have now, computed without the network: a checksum published in a sums file
 * is taken from the download cache, where the build (or `tnbuild fetch`) left it.
 */
export async function currentKey(recipe: ResolvedRecipe, arch: Arch): Promise<string> {
  try {
    return (await planRecipe(recipe, arch, { offline: true })).plan.layers.at(-1)!.key;
  } catch (error) {
    if (!isTnbuildError(error)) throw error;
    throw new TnbuildError(
      'TNB500',
      `the key of ${recipe.name} (${arch}) depends on a published checksum that is not in the download cache`,
      { cause: error, hint: `Run \`tnbuild fetch ${recipe.name} --arch ${arch}\` where the network allows.` },
    );
  }
}

/** The stored template of a recipe as it is now (its current cache key), or a TNB500 saying how to build it. */
export async function templateForRecipe(
  name: string,
  options: GlobalOptions,
): Promise<{ recipe: ResolvedRecipe; template: Template }> {
  const recipe = await loadRecipe(options.recipes, name);
  const key = await currentKey(recipe, options.arch);
  const template = await findTemplate(storeFor(options), key);
  if (!template) {
    throw new TnbuildError(
      'TNB500',
      `no template of ${name} (${options.arch}) matches the recipe as it is now (key ${key.slice(0, 12)})`,
      {
        hint: `Build it: \`tnbuild recipe ${name}${options.arch ? ` --arch ${options.arch}` : ''}\`, or pull a release with \`tnbuild pull\`.`,
      },
    );
  }
  return { recipe, template };
}
