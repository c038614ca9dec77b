import { fetchArtifact } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import type { BuildPlan } from '../plan/plan-build.ts';
import { connectSsh, formatRecap, type ProvisionResult, provision } from '../provisioners/index.ts';
import { findTemplate, listTemplates, type Template } from '../templates/index.ts';
import { withBuildVm } from './build-child-layer.ts';
import { createLayerContext, openStore, type RunBuildOptions, recipesByName } from './run-build.ts';

export interface CheckBuildResult {
  /** Which template the steps were checked against. */
  readonly against: string;
  readonly provision: ProvisionResult;
}

/**
 * `--check --diff`, Ansible's check mode for an image: boot a throwaway clone of the recipe's template (the current
 * one, else the last it produced, else its parent's), run every step in check mode and report what would change,
 * with diffs. Nothing is changed or stored. On the current template it proves the image is converged: changed=0.
 */
export async function checkBuild(
  plan: BuildPlan,
  options: RunBuildOptions & { readonly diff?: boolean },
): Promise<CheckBuildResult> {
  const store = openStore(options);
  const layer = plan.layers.at(-1)!;
  // Against the template the recipe makes now (a converged image reports nothing to change), else the one it made
  // last, else its parent's.
  const current = await findTemplate(store, layer.key);
  const previous = (await listTemplates(store))
    .filter((template) => template.manifest.recipe === layer.recipe && template.manifest.arch === layer.arch)
    .sort((a, b) => b.manifest.builtAt.localeCompare(a.manifest.builtAt))[0];
  const parent = layer.source.type === 'parent' ? await findTemplate(store, layer.source.key) : undefined;
  const base: Template | undefined = current ?? previous ?? parent;
  if (!base) {
    throw new TnbuildError(
      'TNB500',
      `there is no template of ${layer.recipe}${layer.source.type === 'parent' ? ` or ${layer.source.recipe}` : ''} to check against`,
      {
        hint:
          layer.source.type === 'parent'
            ? `Build the parent first: \`tnbuild recipe ${layer.source.recipe}\`.`
            : `Build it once: \`tnbuild recipe ${layer.recipe}\`.`,
      },
    );
  }
  const against =
    base === current
      ? 'its current template'
      : base === previous
        ? 'its previous template'
        : "its parent's template";
  const context = await createLayerContext(layer, recipesByName(options.recipe), store, options);
  return withBuildVm(context, base, async (vm) => {
    const session = await connectSsh({
      host: '127.0.0.1',
      port: vm.port,
      username: 'root',
      privateKey: vm.privateKey,
      hostKeySha256: vm.hostKeySha256,
    });
    try {
      const result = await provision({
        session,
        steps: layer.steps.map((step) => step.step),
        family: layer.os.family,
        arch: layer.arch,
        check: true,
        diff: options.diff ?? false,
        fetchArtifact: (request) => fetchArtifact(request, context.fetchOptions),
        onEvent: (event) => context.emit({ type: 'provision', recipe: layer.recipe, event }),
        recipeFile: options.recipe.file,
      });
      context.emit({
        type: 'log',
        recipe: layer.recipe,
        level: 'info',
        message: `check: ${formatRecap(result.recap)}`,
      });
      return { against: `${against} ${base.name}`, provision: result };
    } finally {
      await session.close();
    }
  });
}
