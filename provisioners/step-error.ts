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
      hint: diskFullHint(error) ?? error.hint,
      cause: error,
      details: error.details.map(redactText),
    });
  }
  if (error instanceof RemoteCommandError) {
    const hint = diskFullHint(error);
    return new TnbuildError('TNB401', `${prefix}: ${error.message}`, {
      ...location,
      ...(hint && { hint }),
      cause: error,
      details: error.details.map(redactText),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TnbuildError('TNB401', `${prefix}: ${redactText(message)}`, { ...location, cause: error });
}

/** ENOSPC in the guest, as any tool words it: the fix is room on the disk, not a retry. */
function diskFullHint(error: {
  readonly message: string;
  readonly details: readonly string[];
}): string | undefined {
  const text = [error.message, ...error.details].join('\n');
  if (!/No space left on device/i.test(text)) return undefined;
  return 'The guest’s disk is full: make room in an earlier step, or give the recipe that installs the OS a larger `machine.disk` (a child layer runs on its parent’s disk).';
}
