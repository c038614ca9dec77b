import type {
  LocalFile,
  ResolvedArtifact,
  ResolvedChecksum,
  ResolvedRecipe,
  ResolvedStep,
} from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';

/** Reads the digest a sums file publishes for a file at `url` (the artifact cache does it: fresh, or cached). */
export type PublishedDigestLookup = (
  url: string,
  checksum: Extract<ResolvedChecksum, { file: string }>,
) => Promise<string>;

/**
 * The recipe (and its parents) with every checksum that comes from a published sums file replaced, for `arch`, by
 * the digest that file gives now, remembering where it came from. Cache keys are computed from values, so an
 * upstream change is a new key, never a silent reuse of a template built from the old file. Recipes without such
 * checksums come back as they are, and nothing is looked up.
 */
export async function pinPublishedChecksums(
  recipe: ResolvedRecipe,
  arch: Arch,
  lookup: PublishedDigestLookup,
): Promise<ResolvedRecipe> {
  const pinArtifact = async (artifact: ResolvedArtifact): Promise<ResolvedArtifact> => {
    const checksum = artifact.checksum[arch];
    const url = artifact.url[arch];
    // A file:// input with a sums file is refused where inputs are fetched, with its own message.
    if (checksum === undefined || !('file' in checksum) || url === undefined || url.startsWith('file://'))
      return artifact;
    const value = await lookup(url, checksum);
    return {
      ...artifact,
      checksum: {
        ...artifact.checksum,
        [arch]: { algorithm: checksum.algorithm, value, publishedIn: checksum.file },
      },
    };
  };
  const pinStep = async (step: ResolvedStep): Promise<ResolvedStep> =>
    step.type === 'download' ? { ...step, artifact: await pinArtifact(step.artifact) } : step;

  let source: ResolvedRecipe['source'];
  if (recipe.source.type === 'parent') {
    source = { ...recipe.source, parent: await pinPublishedChecksums(recipe.source.parent, arch, lookup) };
  } else {
    const pinInput = async <T extends LocalFile | ResolvedArtifact>(input: T): Promise<T> =>
      'sha256' in input ? input : ((await pinArtifact(input as ResolvedArtifact)) as T);
    const pinFiles = async (files: Readonly<Record<string, LocalFile | ResolvedArtifact>>) =>
      Object.fromEntries(
        await Promise.all(Object.entries(files).map(async ([name, file]) => [name, await pinInput(file)])),
      );
    if (recipe.source.type === 'netboot') {
      const { installer } = recipe.source;
      source = {
        ...recipe.source,
        kernel: await pinInput(recipe.source.kernel),
        initrd: await pinInput(recipe.source.initrd),
        installer: { ...installer, files: await pinFiles(installer.files) },
      };
    } else {
      const { installer } = recipe.source;
      source = {
        ...recipe.source,
        iso: await pinArtifact(recipe.source.iso),
        installer:
          installer.type === 'alpine' ? installer : { ...installer, files: await pinFiles(installer.files) },
      };
    }
  }
  return { ...recipe, source, steps: await Promise.all(recipe.steps.map(pinStep)) };
}
