import { planFetch } from '../artifacts/plan-fetch.ts';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { formatPlan } from '../plan/format-plan.ts';
import type { BuildPlan } from '../plan/plan-build.ts';
import { toArtifactRequest } from '../runner/artifact-request.ts';
import { planRecipe } from '../runner/plan-recipe.ts';
import { listTemplates } from '../templates/find-template.ts';
import { type DownloadFlags, fetchOptionsFor } from './fetch-options.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger } from './output.ts';
import { storeFor } from './store-for.ts';

export interface PlanOptions extends GlobalOptions, DownloadFlags {
  readonly json?: boolean;
}

/** `tnbuild plan <name>`: the layers, every step in order, the cache keys and the downloads. No VM. */
export async function plan(name: string, options: PlanOptions): Promise<{ plan: BuildPlan; text: string }> {
  const recipe = await loadRecipe(options.recipes, name);
  // Published checksums are read (or taken from the cache) so the keys shown are the keys a build would use.
  const { plan: built } = await planRecipe(
    recipe,
    options.arch,
    fetchOptionsFor(options, createConsoleLogger(options.verbose)),
  );
  if (options.json) return { plan: built, text: JSON.stringify(built, null, 2) };

  // What is at hand already: stored templates by key, cached downloads by URL. Looking makes no request.
  const stored = new Set((await listTemplates(storeFor(options))).map((template) => template.key));
  const downloads = built.layers
    .flatMap((layer) => layer.downloads)
    .filter((download) => !download.url.startsWith('file://'));
  const fetches = await planFetch(downloads.map(toArtifactRequest), {
    ...(options.cache && { cacheDir: options.cache }),
  });
  const cached = new Set(fetches.filter((fetch) => fetch.source === 'cached').map((fetch) => fetch.url));
  const text = formatPlan(built, {
    templateCached: (key) => stored.has(key),
    downloadCached: (url) => url.startsWith('file://') || cached.has(url),
  });
  return { plan: built, text };
}
