import type { CacheEntry } from '../artifacts/index.ts';
import type { Template, TemplateInput, TemplateManifest } from '../templates/index.ts';
import type { ReleaseInput, Reproducibility } from './release-manifest.ts';

export interface ReproducibilityFacts {
  /** The released template first, then each parent found in the store; `undefined` for a parent not found. */
  readonly layers: readonly (Template | { readonly key: string; readonly missing: true })[];
  /** The download cache's entries, to name the hash of an input pinned by a published sums file. */
  readonly cacheEntries: readonly CacheEntry[];
  readonly compressor: string;
}

const PINNED = /^(sha256|sha512):[0-9a-f]+$/;

/**
 * The reproducibility statement: every layer's key and every input with its checksum, so someone who rebuilds the
 * recipe can compare. Pure; `gatherReproducibilityFacts` reads the store and the cache.
 */
export function describeReproducibility(facts: ReproducibilityFacts): Reproducibility {
  const top = facts.layers[0];
  if (!top || 'missing' in top) throw new Error('describeReproducibility needs the released template first');
  const manifest = top.manifest;
  const inputs: ReleaseInput[] = [];
  const layers: Reproducibility['layers'] = [];
  for (const layer of facts.layers) {
    if ('missing' in layer) {
      layers.push({ recipe: 'unknown', key: layer.key, parentKey: null, builtAt: '', available: false });
      continue;
    }
    const m = layer.manifest;
    layers.push({
      recipe: m.recipe,
      key: m.key,
      parentKey: m.parentKey,
      builtAt: m.builtAt,
      available: true,
    });
    for (const input of m.inputs) inputs.push(describeInput(m.recipe, input, facts.cacheEntries));
  }
  return {
    statement: statementFor(manifest, layers, inputs),
    templateKey: manifest.key,
    layers,
    inputs,
    tools: { tnbuild: manifest.versions.tnbuild, qemu: manifest.versions.qemu, compressor: facts.compressor },
  };
}

function describeInput(recipe: string, input: TemplateInput, cache: readonly CacheEntry[]): ReleaseInput {
  const base = { recipe, name: input.name, ...(input.url !== undefined && { url: input.url }) };
  if (input.sha256) return { ...base, checksum: `sha256:${input.sha256}`, pinnedBy: 'content' };
  if (input.checksum && input.checksumFile && PINNED.test(input.checksum))
    return { ...base, checksum: input.checksum, pinnedBy: `published in ${input.checksumFile}` };
  if (input.checksum && PINNED.test(input.checksum))
    return { ...base, checksum: input.checksum, pinnedBy: 'recipe' };
  if (input.checksum) {
    const cached =
      input.url === undefined ? undefined : cache.find((entry) => entry.urls.includes(input.url as string));
    return cached
      ? {
          ...base,
          checksum: `${cached.checksum.algorithm}:${cached.checksum.value}`,
          pinnedBy: `published in ${input.checksum}`,
        }
      : {
          ...base,
          pinnedBy: `published in ${input.checksum} (not in the local download cache, so not resolved)`,
        };
  }
  return { ...base, pinnedBy: 'nothing on record' };
}

function statementFor(
  manifest: TemplateManifest,
  layers: Reproducibility['layers'],
  inputs: readonly ReleaseInput[],
): string {
  const sentences = [
    `Template ${manifest.key} (recipe ${manifest.recipe}, ${manifest.arch}) is named by a content hash of its recipe steps, its parent's key, every input's checksum and the version of tnbuild's image code; rebuilding the same recipe from the inputs listed here gives the same key, which is the comparison to make.`,
    'The disk image itself is not bit-for-bit reproducible (installers and package managers write timestamps and random identifiers); compare the key, the inputs and the package list in the SBOM instead.',
  ];
  const missing = layers.filter((layer) => !layer.available);
  if (missing.length > 0)
    sentences.push(
      `Parent layer(s) ${missing.map((layer) => layer.key).join(', ')} were not in the template store, so their inputs are not listed.`,
    );
  const unpinned = inputs.filter((input) => input.checksum === undefined);
  if (unpinned.length > 0)
    sentences.push(
      `${unpinned.length} input(s) have no checksum on record: ${unpinned.map((input) => `${input.recipe} › ${input.name}`).join(', ')}.`,
    );
  else sentences.push(`All ${inputs.length} input(s) are listed with their checksum.`);
  return sentences.join(' ');
}
