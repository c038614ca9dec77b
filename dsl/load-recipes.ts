import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { registerSecrets } from '../host/secret-values.ts';
import { formatZodIssues } from './format-zod-issues.ts';
import { displayPath, recipeFileLoader } from './load-recipe-file.ts';
import { locateIssues } from './locate-field.ts';
import { issuesError, type RecipeIssue } from './recipe-issue.ts';
import { resolveRecipe } from './resolve-recipe.ts';
import type { ResolvedRecipe } from './resolved-recipe.ts';
import { checkRecipe, checkRecipeSet, checkSharedSegment } from './rules.ts';
import { type RecipeOutput, recipeSchema } from './schema.ts';
import { schemaKeysAt } from './schema-keys.ts';

export const DEFAULT_RECIPES_DIR = 'recipes';

/** The recipe files in a folder, by name (`recipes/node.ts` → `node`). */
export function listRecipeFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new TnbuildError('TNB106', `no recipes folder at ${displayPath(resolve(dir))}`, {
      hint: 'Run tnbuild in the folder that holds recipes/, or pass --recipes DIR.',
    });
  }
  for (const entry of entries.sort()) {
    if (entry.endsWith('.ts') && !entry.endsWith('.d.ts'))
      files.set(basename(entry, '.ts'), resolve(dir, entry));
  }
  return files;
}

export interface LoadedRecipes {
  /** Every recipe that resolved without issues, by name. */
  readonly recipes: ReadonlyMap<string, ResolvedRecipe>;
  readonly issues: readonly RecipeIssue[];
  /** What works but likely is not what was meant (e.g. an address off the VMs' shared /64). */
  readonly warnings: readonly RecipeIssue[];
}

/**
 * Loads `names` (default: all) and their parents from `dir`: import → schema → resolve (parents first) → rules.
 * Collects every issue instead of stopping at the first.
 */
export async function loadRecipes(dir: string, names?: readonly string[]): Promise<LoadedRecipes> {
  const files = listRecipeFiles(dir);
  for (const name of names ?? []) if (!files.has(name)) throw unknownRecipe(name, files, dir);

  const loadRecipeFile = recipeFileLoader();
  const issues: RecipeIssue[] = [];
  const parsed = new Map<string, RecipeOutput>();
  const parse = async (name: string): Promise<RecipeOutput | undefined> => {
    if (parsed.has(name)) return parsed.get(name);
    const file = files.get(name)!;
    let input: unknown;
    try {
      input = await loadRecipeFile(file);
    } catch (error) {
      if (!isTnbuildError(error)) throw error;
      const shown = error.file ?? displayPath(file);
      issues.push({ file: error.line ? `${shown}:${error.line}` : shown, field: '', message: error.message });
      return undefined;
    }
    const result = recipeSchema.safeParse(input, { reportInput: true });
    if (!result.success) {
      issues.push(
        ...formatZodIssues(displayPath(file), result.error.issues, (path) =>
          schemaKeysAt(recipeSchema, input, path),
        ),
      );
      return undefined;
    }
    parsed.set(name, result.data);
    return result.data;
  };

  const resolved = new Map<string, ResolvedRecipe>();
  const resolving: string[] = [];
  const resolveByName = async (name: string): Promise<ResolvedRecipe | undefined> => {
    if (resolved.has(name)) return resolved.get(name);
    const file = files.get(name)!;
    const input = await parse(name);
    if (!input) return undefined;
    let parent: ResolvedRecipe | undefined;
    if (input.source.type === 'parent') {
      const parentName = input.source.recipe;
      const report = (message: string) =>
        issues.push({ file: displayPath(file), field: 'source.recipe', message });
      if (resolving.includes(parentName) || parentName === name) {
        report(
          `parents form a cycle: ${[...resolving.slice(resolving.indexOf(parentName)), name, parentName].join(' → ')}`,
        );
        return undefined;
      }
      if (!files.has(parentName)) {
        report(`no recipe named "${parentName}"; known: ${[...files.keys()].join(', ')}`);
        return undefined;
      }
      resolving.push(name);
      parent = await resolveByName(parentName);
      resolving.pop();
      if (!parent) return undefined;
    }
    const recipeIssues: RecipeIssue[] = [];
    const recipe = resolveRecipe(input, { name, file, parent, issues: recipeIssues });
    // Known from here on, so even the issues reported next print a secret as [secret <name>].
    registerSecrets(recipe.secrets);
    recipeIssues.push(...checkRecipe(recipe, displayPath(file)));
    issues.push(...recipeIssues);
    if (recipeIssues.length) return undefined;
    resolved.set(name, recipe);
    return recipe;
  };

  for (const name of names ?? [...files.keys()]) await resolveByName(name);
  const fileOf = (recipe: ResolvedRecipe) => displayPath(recipe.file);
  if (!names) issues.push(...checkRecipeSet([...resolved.values()], fileOf));
  const warnings = names ? [] : checkSharedSegment([...resolved.values()], fileOf);
  return {
    recipes: resolved,
    issues: await locateIssues(dedupe(issues), files.values()),
    warnings: await locateIssues(warnings, files.values()),
  };
}

/** Loads one recipe (and its parents) or throws every issue at once. */
export async function loadRecipe(dir: string, name: string): Promise<ResolvedRecipe> {
  const { recipes, issues } = await loadRecipes(dir, [name]);
  if (issues.length) throw issuesError(issues);
  return recipes.get(name)!;
}

function unknownRecipe(name: string, files: ReadonlyMap<string, string>, dir: string): TnbuildError {
  const known = [...files.keys()];
  return new TnbuildError('TNB100', `no recipe named "${name}" in ${displayPath(resolve(dir))}/`, {
    hint: known.length
      ? `Known recipes: ${known.join(', ')}.`
      : `Create ${join(dir, `${name}.ts`)} with \`export default defineRecipe({ … })\`.`,
  });
}

function dedupe(issues: RecipeIssue[]): RecipeIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}|${issue.field}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
