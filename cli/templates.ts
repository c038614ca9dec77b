import { existsSync } from 'node:fs';
import { formatBytes } from '../artifacts/index.ts';
import { loadRecipes } from '../dsl/load-recipes.ts';
import { TnbuildError } from '../errors/index.ts';
import { gcTemplates, listTemplates, removeTemplate } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';
import { type CommandOutput, jsonOutput } from './output.ts';
import { storeFor } from './store-for.ts';
import { currentKey } from './template-for-recipe.ts';

export interface TemplatesCommandOptions extends GlobalOptions {
  readonly dryRun?: boolean;
}

/** `tnbuild templates list|rm|gc`: the template store; rm and gc never remove a template a clone uses. */
export async function templates(
  action: string,
  ref: string | undefined,
  options: TemplatesCommandOptions,
): Promise<CommandOutput> {
  const store = storeFor(options);
  switch (action) {
    case 'list': {
      const all = await listTemplates(store);
      if (options.json) {
        return jsonOutput({
          store: store.root,
          templates: all.map(({ name, key, dir, manifest }) => ({
            name,
            key,
            recipe: manifest.recipe,
            arch: manifest.arch,
            parentKey: manifest.parentKey,
            builtAt: manifest.builtAt,
            virtualSize: manifest.disk.virtualSize,
            actualSize: manifest.disk.actualSize,
            // null: built here.
            pulledFrom: manifest.origin?.pulledFrom ?? null,
            dir,
          })),
        });
      }
      if (!all.length) {
        const here = existsSync(store.root) || existsSync(options.recipes);
        return [
          here
            ? `no templates in ${store.root}`
            : `no templates: ${store.root} does not exist (run tnbuild inside your project, or pass --output DIR)`,
        ];
      }
      return all.map(({ name, manifest }) => {
        const size = formatBytes(manifest.disk.actualSize).padStart(10);
        const parent = manifest.parentKey ? `  on ${manifest.parentKey.slice(0, 12)}` : '';
        const origin = manifest.origin
          ? `  pulled from ${manifest.origin.pulledFrom} (${manifest.origin.release})`
          : '  built here';
        return `${name.padEnd(40)} ${size}  built ${manifest.builtAt}${parent}${origin}`;
      });
    }
    case 'rm': {
      if (!ref)
        throw new TnbuildError(
          'TNB110',
          'tnbuild templates rm needs a template name or key prefix (see `tnbuild templates list`)',
        );
      const removed = await removeTemplate(store, ref);
      return [`removed ${removed.name}`];
    }
    case 'gc': {
      // Keep what the recipes as they are now would use.
      const { recipes } = await loadRecipes(options.recipes);
      const stored = await listTemplates(store);
      const keep: string[] = [];
      for (const recipe of recipes.values()) {
        for (const arch of recipe.arches) {
          const key = await currentKey(recipe, arch).catch(() => undefined);
          if (key !== undefined) keep.push(key);
          // Whose key cannot be known offline: keep every template of that recipe rather than guess.
          else keep.push(...stored.filter((t) => t.manifest.recipe === recipe.name).map((t) => t.key));
        }
      }
      const report = await gcTemplates(store, { keep, dryRun: options.dryRun ?? false });
      const verb = options.dryRun ? 'would remove' : 'removed';
      const lines = [
        ...report.removed.map((template) => `${verb} ${template.name}`),
        ...report.kept.map(({ template, reason }) => `kept ${template.name}: ${reason}`),
        ...report.debris.map((path) => `${verb} debris ${path}`),
      ];
      if (report.removed.length === 0 && report.debris.length === 0)
        lines.push(`nothing to remove in ${store.root}`);
      return lines;
    }
    default:
      throw new TnbuildError('TNB110', `unknown templates action "${action}"; expected list | rm | gc`);
  }
}
