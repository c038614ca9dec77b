import { fetchArtifacts } from '../artifacts/index.ts';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { toArtifactRequest } from '../runner/artifact-request.ts';
import { planRecipe } from '../runner/plan-recipe.ts';
import { type DownloadFlags, fetchOptionsFor } from './fetch-options.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger } from './output.ts';

export interface FetchCommandOptions extends GlobalOptions, DownloadFlags {}

/** `tnbuild fetch <recipe>`: everything the recipe and its parents download, verified into the cache. No build. */
export async function fetch(name: string, options: FetchCommandOptions): Promise<string[]> {
  const recipe = await loadRecipe(options.recipes, name);
  const fetchOptions = fetchOptionsFor(options, createConsoleLogger(options.verbose));
  const { plan } = await planRecipe(recipe, options.arch, fetchOptions);
  const requests = plan.layers.flatMap((layer) => layer.downloads).map(toArtifactRequest);
  // Offline, fetchArtifacts checks every input first and fails once with the whole list of what is missing.
  const results = await fetchArtifacts(requests, fetchOptions);
  return results.map(
    (result, index) =>
      `${result.fromCache ? 'cached ' : 'fetched'} ${result.path}  (${requests[index]!.url})`,
  );
}
