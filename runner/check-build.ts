import { TnbuildError } from '../errors/index.ts';
import type { BuildPlan } from '../plan/plan-build.ts';
import { formatRecap, type ProvisionResult } from '../provisioners/index.ts';
import { findTemplate, listTemplates, type Template } from '../templates/index.ts';
import { withBuildVm } from './build-child-layer.ts';
import { connectGuest, provisionLayer } from './configure-guest.ts';
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
  const previous = current
    ? undefined
    : (await listTemplates(store))
        .filter(
          (template) => template.manifest.recipe === layer.recipe && template.manifest.arch === layer.arch,
        )
        .sort((a, b) => b.manifest.builtAt.localeCompare(a.manifest.builtAt))[0];
  const parent =
    current || previous || layer.source.type !== 'parent'
      ? undefined
      : await findTemplate(store, layer.source.key);
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
    const session = await connectGuest(context, vm);
    try {
      const result = await provisionLayer(context, session, { check: true, diff: options.diff ?? false });
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
