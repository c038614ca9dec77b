import { describeOfflineGaps, fetchArtifact, planFetch, resolveFetchOptions } from '../artifacts/index.ts';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { imageCodeVersion } from '../plan/image-code-version.ts';
import { planBuild } from '../plan/plan-build.ts';
import { toArtifactRequest } from '../runner/artifact-request.ts';
import type { DownloadFlags } from './fetch-options.ts';
import { fetchOptionsFor } from './fetch-options.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger } from './output.ts';

export interface FetchCommandOptions extends GlobalOptions, DownloadFlags {}

/** `tnbuild fetch <recipe>`: everything the recipe and its parents download, verified into the cache. No build. */
export async function fetch(name: string, options: FetchCommandOptions): Promise<string[]> {
  const recipe = await loadRecipe(options.recipes, name);
  const plan = planBuild(recipe, options.arch, imageCodeVersion());
  const requests = plan.layers.flatMap((layer) => layer.downloads).map(toArtifactRequest);
  const fetchOptions = fetchOptionsFor(options, createConsoleLogger(options.verbose));
  if (fetchOptions.offline) {
    const resolved = resolveFetchOptions(fetchOptions);
    const gaps = describeOfflineGaps(await planFetch(requests, fetchOptions), resolved.cacheDir, resolved.mirror);
    if (gaps) throw gaps;
  }
  const lines: string[] = [];
  for (const request of requests) {
    const result = await fetchArtifact(request, fetchOptions);
    lines.push(`${result.fromCache ? 'cached ' : 'fetched'} ${result.path}  (${request.url})`);
  }
  return lines;
}
