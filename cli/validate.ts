import { displayPath } from '../dsl/load-recipe-file.ts';
import { listRecipeFiles, loadRecipes } from '../dsl/load-recipes.ts';
import { locateIssues } from '../dsl/locate-field.ts';
import { formatIssue, issuesError } from '../dsl/recipe-issue.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { checkRecipeSet, checkSharedSegment } from '../dsl/rules.ts';
import { typecheckRecipes, WHOLE_RECIPE_CODES } from '../dsl/typecheck-recipes.ts';
import type { GlobalOptions } from './global-options.ts';
import { type CommandOutput, jsonOutput } from './output.ts';

export interface ValidateOptions extends GlobalOptions {
  /** Also run the TypeScript type checker over the recipe files. @default true */
  readonly typecheck?: boolean;
}

/** `tnbuild validate [name]`: every problem in the recipes at once, or a list of what is valid. */
export async function validate(names: readonly string[], options: ValidateOptions): Promise<CommandOutput> {
  const loaded = await loadRecipes(options.recipes, names.length ? names : undefined);
  const { recipes } = loaded;
  const issues = [...loaded.issues];
  let warnings = [...loaded.warnings];
  if (names.length) {
    // Host ports, addresses, VM names and the network segment are shared with every other recipe, named or not.
    const everything = [...(await loadRecipes(options.recipes)).recipes.values()];
    const fileOf = (recipe: ResolvedRecipe) => displayPath(recipe.file);
    const files = [...listRecipeFiles(options.recipes).values()];
    issues.push(...(await locateIssues(checkRecipeSet(everything, fileOf, new Set(names)), files)));
    warnings = await locateIssues(checkSharedSegment(everything, fileOf, new Set(names)), files);
  }
  const typeIssues =
    options.typecheck === false ? [] : await typecheckRecipes(selectFiles(options.recipes, names));
  // One mistake, one report: where the schema names the field, TypeScript's report of it goes (one at the same
  // place, or a "not assignable" about the whole recipe in that file).
  const schemaFiles = new Set(issues.map((issue) => withoutPosition(issue.file)));
  const schemaPlaces = new Set(issues.map((issue) => issue.file));
  const all = [
    ...typeIssues.filter(
      (issue) =>
        !schemaPlaces.has(issue.file) &&
        !(WHOLE_RECIPE_CODES.has(issue.field) && schemaFiles.has(withoutPosition(issue.file))),
    ),
    ...issues,
  ];
  if (options.json) {
    // The same verdict as the text form (exit 2 on any issue), with each issue as data.
    if (all.length) process.exitCode = 2;
    return jsonOutput({
      ok: all.length === 0,
      recipes: [...recipes.values()].map((recipe) => ({
        name: recipe.name,
        file: recipe.file,
        parent: recipe.source.type === 'parent' ? recipe.source.parent.name : null,
        arches: recipe.arches,
        steps: recipe.steps.length,
      })),
      issues: all,
      warnings,
    });
  }
  if (all.length) throw issuesError(all);
  return [
    ...[...recipes.values()].map((recipe) => {
      const parent = recipe.source.type === 'parent' ? ` (on ${recipe.source.parent.name})` : '';
      return `ok ${recipe.name}${parent}: ${recipe.steps.length} steps, ${recipe.arches.join(' + ')}`;
    }),
    ...warnings.map((warning) => `warning ${formatIssue(warning)}`),
  ];
}

function selectFiles(dir: string, names: readonly string[]): string[] {
  const files = listRecipeFiles(dir);
  return names.length ? names.map((name) => files.get(name)!) : [...files.values()];
}

/** `recipes/node.ts:14:5` → `recipes/node.ts` */
function withoutPosition(file: string): string {
  return file.replace(/(:\d+)+$/, '');
}
