import { TnbuildError } from '../errors/index.ts';
import { formatLocation } from '../errors/tnbuild-error.ts';

/** One thing wrong with a recipe: `recipes/node.ts › network.ula: expected …`. */
export interface RecipeIssue {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

export function formatIssue(issue: RecipeIssue): string {
  return `${formatLocation(issue)}: ${issue.message}`;
}

/** All issues at once, as one user error (exit 2). */
export function issuesError(issues: readonly RecipeIssue[]): TnbuildError {
  const files = new Set(issues.map((issue) => issue.file.replace(/(:\d+)+$/, '')));
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new TnbuildError('TNB103', `${count} in ${[...files].join(', ')}`, {
    details: issues.map(formatIssue),
  });
}

/** `['steps', 2, 'type']` → `steps[2].type` */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || '(recipe)';
}
