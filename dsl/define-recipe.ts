import type { RecipeInput } from './schema.ts';

/**
 * Declares a recipe. An identity function: it exists for editor completion and type checking; validation happens
 * when tnbuild loads the file. Kept free of runtime imports so a recipe loads nothing heavy.
 */
export function defineRecipe(recipe: RecipeInput): RecipeInput {
  return recipe;
}
