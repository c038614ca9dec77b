import { join, resolve } from 'node:path';
import { loadRecipe } from '../dsl/load-recipes.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { TnbuildError } from '../errors/index.ts';
import { computeCacheKey } from '../plan/cache-key.ts';
import { imageCodeVersion } from '../plan/image-code-version.ts';
import { findTemplate, openTemplateStore, type Template, type TemplateStore } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';

export function storeFor(options: Pick<GlobalOptions, 'output'>): TemplateStore {
  return openTemplateStore({ root: join(resolve(options.output), 'templates') });
}

/** The stored template of a recipe as it is now (its current cache key), or a TNB500 saying how to build it. */
export async function templateForRecipe(
  name: string,
  options: GlobalOptions,
): Promise<{ recipe: ResolvedRecipe; template: Template }> {
  const recipe = await loadRecipe(options.recipes, name);
  const key = computeCacheKey(recipe, options.arch, imageCodeVersion());
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
