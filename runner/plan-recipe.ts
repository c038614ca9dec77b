import type { FetchOptions } from '../artifacts/types.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { imageCodeVersion } from '../plan/image-code-version.ts';
import { pinPublishedChecksums } from '../plan/pin-published-checksums.ts';
import { type BuildPlan, planBuild } from '../plan/plan-build.ts';

/**
 * Plans a build the way every command does: checksums published in sums files are read first (fresh when online,
 * cached otherwise) and pinned into the recipe, so the plan's keys name the files as they are upstream today.
 * Build with the recipe this returns, not the one passed in.
 */
export async function planRecipe(
  recipe: ResolvedRecipe,
  arch: Arch,
  fetchOptions: FetchOptions = {},
): Promise<{ recipe: ResolvedRecipe; plan: BuildPlan }> {
  const pinned = await pinPublishedChecksums(recipe, arch, async (url, checksum) => {
    const request = { url, checksumUrl: checksum.file, algorithm: checksum.algorithm };
    // Loaded only when a recipe has such a checksum: the download machinery is most of the artifacts module.
    const { lookupPublishedChecksum } = await import('../artifacts/lookup-published-checksum.ts');
    return (await lookupPublishedChecksum(request, fetchOptions)).value;
  });
  return { recipe: pinned, plan: planBuild(pinned, arch, imageCodeVersion()) };
}
