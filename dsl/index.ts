// The light entry point recipes import: no QEMU, SSH or listr2 code behind it.
export { defineRecipe } from './define-recipe.ts';
export {
  directory,
  download,
  file,
  network,
  packages,
  service,
  shell,
  sysctl,
  template,
  user,
} from './helpers.ts';
export type { Arch, ArtifactInput, CheckInput, ChecksumInput, RecipeInput, StepInput } from './schema.ts';
export { type Size, size } from './size.ts';
