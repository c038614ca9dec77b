import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { assertGuestPath } from '../guest-path.ts';
import type { ModuleContext, ModuleResult } from '../module-context.ts';
import { ensureFile } from './ensure-file.ts';

type TemplateStep = Extract<ResolvedStep, { type: 'template' }>;

/** A file rendered from a handlebars template; the resolver rendered it on the host, strictly, without escaping. */
export function runTemplateStep(ctx: ModuleContext, step: TemplateStep): Promise<ModuleResult> {
  return ensureFile(ctx, assertGuestPath(step.path), Buffer.from(step.content), {
    mode: step.mode,
    owner: step.owner,
    group: step.group,
  });
}
