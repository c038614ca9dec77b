import type { LocalFile, ResolvedArtifact, ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { sourceInputs } from '../dsl/source-inputs.ts';
import type { TemplateInput } from './template-manifest.ts';

function describeInput(
  name: string,
  input: LocalFile | ResolvedArtifact,
  arch: Arch,
): TemplateInput | undefined {
  if ('sha256' in input) return { name, sha256: input.sha256 };
  const url = input.url[arch];
  if (url === undefined) return undefined;
  const checksum = input.checksum[arch];
  const pinned =
    checksum === undefined
      ? undefined
      : 'value' in checksum
        ? `${checksum.algorithm}:${checksum.value}`
        : checksum.file;
  const publishedIn = checksum && 'value' in checksum ? checksum.publishedIn : undefined;
  return {
    name,
    url,
    ...(pinned !== undefined && { checksum: pinned }),
    ...(publishedIn !== undefined && { checksumFile: publishedIn }),
  };
}

/**
 * What a recipe's template was built from, each with what pins it, for the manifest: the ISO and installer files,
 * then every file, template and download a step uses. Only this recipe's own inputs; the parent's are in the
 * parent's manifest (`parentKey`).
 */
export function recipeInputs(recipe: ResolvedRecipe, arch: Arch): TemplateInput[] {
  const inputs: (TemplateInput | undefined)[] = [];
  for (const { label, input } of sourceInputs(recipe.source)) inputs.push(describeInput(label, input, arch));
  for (const step of recipe.steps) {
    if (step.type === 'file' && step.source)
      inputs.push(describeInput(`${step.field} ${step.path}`, step.source, arch));
    if (step.type === 'template') inputs.push(describeInput(`${step.field} ${step.path}`, step.source, arch));
    if (step.type === 'download')
      inputs.push(describeInput(`${step.field} ${step.dest}`, step.artifact, arch));
  }
  return inputs.filter((input): input is TemplateInput => input !== undefined);
}
