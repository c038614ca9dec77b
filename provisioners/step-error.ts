import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { RemoteCommandError } from './exec-error.ts';
import { redactText } from './redact-args.ts';

/**
 * The runner's one place for context: whatever a module threw becomes a TnbuildError naming the step, its field in
 * the recipe and the recipe file. Modules throw plain errors; only a few carry their own code (TNB402, TNB404…).
 */
export function toStepError(
  error: unknown,
  step: ResolvedStep,
  recipeFile: string | undefined,
): TnbuildError {
  const location = { field: step.field, ...(recipeFile ? { file: recipeFile } : {}) };
  const prefix = `step "${step.name}" (${step.type})`;
  if (isTnbuildError(error)) {
    return new TnbuildError(error.code, `${prefix}: ${error.message}`, {
      ...location,
      hint: error.hint,
      cause: error,
      details: error.details.map(redactText),
    });
  }
  if (error instanceof RemoteCommandError) {
    return new TnbuildError('TNB401', `${prefix}: ${error.message}`, {
      ...location,
      cause: error,
      details: error.details.map(redactText),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TnbuildError('TNB401', `${prefix}: ${redactText(message)}`, { ...location, cause: error });
}
