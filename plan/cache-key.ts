import { createHash } from 'node:crypto';
import type {
  LocalFile,
  ResolvedArtifact,
  ResolvedInstaller,
  ResolvedRecipe,
  ResolvedStep,
} from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The content hash that names a template: the recipe as it shapes the image for `arch` (local files by content,
 * never by path; per-arch values for this arch only), the parent's key, the inputs' checksums and the version of
 * the code that shapes images. Same inputs → same key on any machine.
 */
export function computeCacheKey(recipe: ResolvedRecipe, arch: Arch, codeVersion: string): string {
  const parentKey =
    recipe.source.type === 'parent' ? computeCacheKey(recipe.source.parent, arch, codeVersion) : null;
  const shape = {
    format: 1,
    codeVersion,
    parentKey,
    name: recipe.name,
    os: recipe.os,
    arch,
    source: shapeOfSource(recipe.source, arch),
    diskBytes: recipe.machine.diskBytes,
    network: recipe.network ?? null,
    steps: recipe.steps.map((step) => shapeOfStep(step, arch)),
    checks: recipe.checks,
    seal: recipe.seal,
  };
  return createHash('sha256').update(canonicalJson(shape)).digest('hex');
}

function shapeOfSource(source: ResolvedRecipe['source'], arch: Arch) {
  if (source.type === 'parent') return { type: 'parent' };
  if (source.type === 'netboot') {
    return {
      type: 'netboot',
      kernel: shapeOfInput(source.kernel, arch),
      initrd: shapeOfInput(source.initrd, arch),
      cmdline: source.cmdline,
      installer: shapeOfInstaller(source.installer, arch),
    };
  }
  return {
    type: 'iso',
    iso: shapeOfInput(source.iso, arch),
    installer: shapeOfInstaller(source.installer, arch),
  };
}

function shapeOfInstaller(installer: ResolvedInstaller, arch: Arch) {
  if (installer.type === 'alpine') return installer;
  const files = Object.fromEntries(
    Object.entries(installer.files).map(([name, file]) => [name, shapeOfInput(file, arch)]),
  );
  if (installer.type === 'script') {
    const { answer, ...rest } = installer;
    return { ...rest, answer: answer?.sha256 ?? null, files };
  }
  return {
    ...installer,
    files,
    templates: Object.fromEntries(
      Object.entries(installer.templates).map(([name, file]) => [name, { sha256: file.sha256 }]),
    ),
  };
}

function shapeOfInput(input: LocalFile | ResolvedArtifact, arch: Arch) {
  if ('sha256' in input) return { sha256: input.sha256 };
  return { url: input.url[arch], checksum: input.checksum[arch] };
}

function shapeOfStep(step: ResolvedStep, arch: Arch) {
  // Labels and where a step came from do not shape the image.
  const { field: _field, name: _name, ...rest } = step;
  switch (rest.type) {
    case 'file':
      return { ...rest, source: rest.source?.sha256 };
    case 'template':
      return { ...rest, source: undefined };
    case 'download':
      return { ...rest, artifact: shapeOfInput(rest.artifact, arch) };
    default:
      return rest;
  }
}
