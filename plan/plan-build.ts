import { displayPath } from '../dsl/load-recipe-file.ts';
import type {
  LocalFile,
  ResolvedArtifact,
  ResolvedChecksum,
  ResolvedRecipe,
  ResolvedStep,
} from '../dsl/resolved-recipe.ts';
import type { Arch } from '../dsl/schema.ts';
import { formatSize } from '../dsl/size.ts';
import { isLocalInput, sourceInputs } from '../dsl/source-inputs.ts';
import { computeCacheKey } from './cache-key.ts';
import { describeConsoleInstaller, describePresetOverrides } from './describe-installer.ts';

// Plan, then run: a pure function from resolved recipe to serialisable layers and steps. `tnbuild plan` prints
// it, tests snapshot it, the build runner executes it.

export interface PlannedDownload {
  readonly url: string;
  readonly checksum: ResolvedChecksum;
  /** What needs it: `source.iso`, `steps[0]`. */
  readonly for: string;
}

export interface PlannedStep {
  readonly index: number;
  readonly field: string;
  readonly type: ResolvedStep['type'];
  readonly name: string;
  readonly step: ResolvedStep;
}

export interface PlannedLayer {
  readonly recipe: string;
  readonly file: string;
  readonly key: string;
  readonly arch: Arch;
  readonly os: ResolvedRecipe['os'];
  readonly source:
    | {
        readonly type: 'iso';
        readonly installer: string;
        readonly iso: PlannedDownload;
        /**
         * A console installer's steps, end and served files, or what a recipe changed of a preset, as `[label, text]`
         * rows (describe-installer.ts).
         */
        readonly console?: readonly (readonly [string, string])[];
      }
    | {
        readonly type: 'netboot';
        readonly installer: string;
        /** A URL, or the path of a file next to the recipe. */
        readonly kernel: string;
        readonly initrd: string;
        /** As the recipe wrote it (a template). */
        readonly cmdline: string;
        readonly console?: readonly (readonly [string, string])[];
      }
    | { readonly type: 'parent'; readonly recipe: string; readonly key: string };
  readonly machine: { readonly cpus: number; readonly memory: string; readonly disk: string };
  readonly ports: ResolvedRecipe['ports'];
  readonly network: ResolvedRecipe['network'] | null;
  readonly downloads: readonly PlannedDownload[];
  readonly steps: readonly PlannedStep[];
  readonly checks: ResolvedRecipe['checks'];
  readonly seal: ResolvedRecipe['seal'];
}

export interface BuildPlan {
  readonly recipe: string;
  readonly arch: Arch;
  /** Parents first; the last layer is the recipe asked for. */
  readonly layers: readonly PlannedLayer[];
}

export function planBuild(recipe: ResolvedRecipe, arch: Arch, codeVersion: string): BuildPlan {
  const chain: ResolvedRecipe[] = [];
  for (let layer: ResolvedRecipe | undefined = recipe; layer; ) {
    chain.unshift(layer);
    layer = layer.source.type === 'parent' ? layer.source.parent : undefined;
  }
  return { recipe: recipe.name, arch, layers: chain.map((layer) => planLayer(layer, arch, codeVersion)) };
}

function planLayer(recipe: ResolvedRecipe, arch: Arch, codeVersion: string): PlannedLayer {
  const downloads: PlannedDownload[] = [];
  const addDownload = (artifact: ResolvedArtifact, forField: string): PlannedDownload => {
    const download = { url: artifact.url[arch]!, checksum: artifact.checksum[arch]!, for: forField };
    downloads.push(download);
    return download;
  };

  let source: PlannedLayer['source'];
  if (recipe.source.type === 'parent') {
    const parent = recipe.source.parent;
    source = { type: 'parent', recipe: parent.name, key: computeCacheKey(parent, arch, codeVersion) };
  } else {
    const planned = new Map<string, PlannedDownload>();
    for (const { field, input } of sourceInputs(recipe.source))
      if (!isLocalInput(input)) planned.set(field, addDownload(input, field));
    const { installer } = recipe.source;
    const rows =
      installer.type === 'console' ? describeConsoleInstaller(installer) : describePresetOverrides(installer);
    const console = rows.length ? { console: rows } : {};
    if (recipe.source.type === 'iso') {
      source = { type: 'iso', installer: installer.type, iso: planned.get('source.iso')!, ...console };
    } else {
      const where = (field: string, input: LocalFile | ResolvedArtifact) =>
        isLocalInput(input) ? displayPath(input.path) : planned.get(field)!.url;
      source = {
        type: 'netboot',
        installer: installer.type,
        kernel: where('source.kernel', recipe.source.kernel),
        initrd: where('source.initrd', recipe.source.initrd),
        cmdline: recipe.source.cmdline,
        ...console,
      };
    }
  }
  for (const step of recipe.steps) if (step.type === 'download') addDownload(step.artifact, step.field);

  return {
    recipe: recipe.name,
    file: recipe.file,
    key: computeCacheKey(recipe, arch, codeVersion),
    arch,
    os: recipe.os,
    source,
    machine: {
      cpus: recipe.machine.cpus,
      memory: formatSize(recipe.machine.memoryBytes),
      disk: formatSize(recipe.machine.diskBytes),
    },
    ports: recipe.ports,
    network: recipe.network ?? null,
    downloads,
    steps: recipe.steps.map((step, index) => ({
      index,
      field: step.field,
      type: step.type,
      name: step.name,
      step,
    })),
    checks: recipe.checks,
    seal: recipe.seal,
  };
}
