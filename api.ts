// The programmatic API: everything the CLI does, callable from code (`import … from 'tnbuild/api'`).
// The recipe DSL stays in the light entry point (`import { defineRecipe } from 'tnbuild'`).
export * from './artifacts/index.ts';
export * from './builders/index.ts';
export { loadRecipe, loadRecipes } from './dsl/load-recipes.ts';
export type { ResolvedRecipe, ResolvedStep } from './dsl/resolved-recipe.ts';
export { type ErrorCode, exitCodeFor, formatError, isTnbuildError, TnbuildError } from './errors/index.ts';
export { computeCacheKey } from './plan/cache-key.ts';
export { formatPlan } from './plan/format-plan.ts';
export { imageCodeVersion } from './plan/image-code-version.ts';
export { pinPublishedChecksums } from './plan/pin-published-checksums.ts';
export { type BuildPlan, type PlannedLayer, planBuild } from './plan/plan-build.ts';
// Both provisioners/ (the command set) and templates/ (a family name) export an `OsFamily`: the first wins here.
export type { OsFamily } from './provisioners/index.ts';
export * from './provisioners/index.ts';
export * from './release/index.ts';
export type { BuildEvent, BuildListener } from './runner/build-event.ts';
export { checkBuild } from './runner/check-build.ts';
export { planRecipe } from './runner/plan-recipe.ts';
export { type BuildResult, type RunBuildOptions, runBuild } from './runner/run-build.ts';
export { type NamedBuild, runBuilds } from './runner/run-builds.ts';
export * from './templates/index.ts';
export * from './vms/index.ts';
