import { listCache } from '../artifacts/index.ts';
import { findTemplate, type Template, type TemplateStore } from '../templates/index.ts';
import type { ReproducibilityFacts } from './describe-reproducibility.ts';

const MAX_LAYERS = 32;

/** Walks the parent keys through the store and lists the download cache; nothing here fails a release. */
export async function gatherReproducibilityFacts(
  template: Template,
  store: TemplateStore,
  options: { readonly cacheDir?: string; readonly compressor: string },
): Promise<ReproducibilityFacts> {
  const layers: ReproducibilityFacts['layers'][number][] = [template];
  let parentKey = template.manifest.parentKey;
  while (parentKey !== null && layers.length < MAX_LAYERS) {
    const parent = await findTemplate(store, parentKey).catch(() => undefined);
    if (!parent) {
      layers.push({ key: parentKey, missing: true });
      break;
    }
    layers.push(parent);
    parentKey = parent.manifest.parentKey;
  }
  const listing = await listCache(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }).catch(
    () => undefined,
  );
  return { layers, cacheEntries: listing?.entries ?? [], compressor: options.compressor };
}
