import { availableParallelism, freemem } from 'node:os';
import { TnbuildError } from '../errors/index.ts';
import type { BuildPlan } from '../plan/plan-build.ts';
import type { EnsureTemplateResult } from '../templates/ensure-template.ts';
import { type BuildResult, type RunBuildOptions, runBuild } from './run-build.ts';

/** One recipe named on the command line: its plan and the options its build runs with. */
export interface NamedBuild {
  readonly plan: BuildPlan;
  readonly options: RunBuildOptions;
}

/**
 * Builds several recipes, at most `parallel` at a time (Packer's parallel builds, bounded). A layer two of them
 * share — `base` under both `node` and `registry` — is built once: the second waits for the first's build of it
 * in this process, and fails with it instead of trying again. A named recipe that another named recipe builds on
 * is built before it, so `recipe base node --force` gives node the new base. One build failing does not stop the
 * others: each settles on its own, in the order given.
 */
export async function runBuilds(
  builds: readonly NamedBuild[],
  parallel: number,
): Promise<PromiseSettledResult<BuildResult>[]> {
  const sharedLayers = new Map<string, Promise<EnsureTemplateResult>>();
  const finished = builds.map(() => createSettled());
  const lastKey = (build: NamedBuild) => build.plan.layers.at(-1)?.key;
  // A parent's plan is a prefix of its child's: shorter plans first, so a build never waits on one not started.
  const order = builds
    .map((_, index) => index)
    .sort((a, b) => builds[a]!.plan.layers.length - builds[b]!.plan.layers.length);
  const settled = await mapWithLimit(order, parallel, async (index) => {
    const build = builds[index]!;
    try {
      const keys = new Set(build.plan.layers.slice(0, -1).map((layer) => layer.key));
      for (const [other, parent] of builds.entries()) {
        if (other === index || !keys.has(lastKey(parent)!)) continue;
        const failed = await finished[other]!.promise;
        if (failed) {
          throw new TnbuildError(
            'TNB310',
            `${recipeName(build)} was not built: ${recipeName(parent)}, which it builds on, failed`,
          );
        }
      }
      return await runBuild(build.plan, { ...build.options, sharedLayers });
    } catch (error) {
      finished[index]!.settle(true);
      throw error;
    } finally {
      finished[index]!.settle(false);
    }
  });
  const byBuild: PromiseSettledResult<BuildResult>[] = [];
  for (const [position, index] of order.entries()) byBuild[index] = settled[position]!;
  return byBuild;
}

function recipeName(build: NamedBuild): string {
  return build.plan.layers.at(-1)?.recipe ?? build.options.recipe.name;
}

/** How many builds at once by default, given each one's VM memory: one per core, as many as free memory holds, at least one. */
export function defaultParallel(memoryBytes: readonly number[]): number {
  const largest = Math.max(1, ...memoryBytes);
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / largest), memoryBytes.length));
}

/** `work` on every item, at most `limit` at once, started in the items' order; every outcome, in that order. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Settles once with whether the build failed. */
function createSettled() {
  let settle!: (failed: boolean) => void;
  const promise = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}
