import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  describeOfflineGaps,
  type FetchOptions,
  planFetch,
  resolveFetchOptions,
} from '../artifacts/index.ts';
import type { AccelChoice } from '../builders/index.ts';
import type { ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { type CommandRunner, type Logger, silentLogger } from '../host/command-runner.ts';
import { redactDeep, registerSecrets } from '../host/secret-values.ts';
import type { BuildPlan, PlannedDownload, PlannedLayer } from '../plan/plan-build.ts';
// The store's own modules, not templates/index.ts: a cache hit should not load the QEMU and SSH code.
import { type EnsureTemplateResult, ensureTemplate } from '../templates/ensure-template.ts';
import { findTemplate } from '../templates/find-template.ts';
import { openTemplateStore, type Template, type TemplateStore } from '../templates/template-store.ts';
import { toArtifactRequest } from './artifact-request.ts';
import type { BuildListener } from './build-event.ts';
import type { LayerContext } from './layer-context.ts';

export interface RunBuildOptions {
  /** The recipe the plan was made from (its parents are reached through `source.parent`). */
  readonly recipe: ResolvedRecipe;
  /** @default 'output' */
  readonly output?: string;
  /** @default $TNBUILD_VMS_DIR or ~/vms (templates a clone uses are never replaced under it) */
  readonly vmsRoot?: string;
  /** Rebuild the last layer even when its template is stored. @default false */
  readonly force?: boolean;
  /** @default 'auto' */
  readonly accel?: AccelChoice;
  /** @default 'remove' */
  readonly onError?: 'remove' | 'keep';
  /** When a build machine's boot counts as stalled and is booted again (`watchBootStall`). @default 180000 */
  readonly bootStallMs?: number;
  readonly fetchOptions?: FetchOptions;
  readonly runner?: CommandRunner;
  readonly logger?: Logger;
  readonly onEvent?: BuildListener;
  readonly signal?: AbortSignal;
  /**
   * Layers other builds in this process are making now, by key (runBuilds): a build that needs one waits for it
   * and shares its outcome, failure included, instead of polling the key's lock and building it again.
   */
  readonly sharedLayers?: Map<string, Promise<EnsureTemplateResult>>;
}

export interface BuildResult {
  readonly template: Template;
  /** Per layer: reused from the store, or built now. */
  readonly layers: readonly { readonly recipe: string; readonly outcome: 'stored' | 'waited' | 'built' }[];
}

/**
 * Runs a plan layer by layer, parents first. A layer whose key is stored is a cache hit: nothing boots. Otherwise
 * its key is locked (a concurrent build of the same key waits, then reuses), it is built, sealed and committed.
 */
export async function runBuild(plan: BuildPlan, given: RunBuildOptions): Promise<BuildResult> {
  const recipes = recipesByName(given.recipe);
  // Callers of the API may resolve recipes themselves: whatever they did, no secret reaches an event or a log.
  for (const recipe of recipes.values()) registerSecrets(recipe.secrets);
  const listener = given.onEvent;
  const options: RunBuildOptions = {
    ...given,
    ...(listener && { onEvent: (event: Parameters<typeof listener>[0]) => listener(redactDeep(event)) }),
  };
  const store = openStore(options);
  const emit = options.onEvent ?? (() => {});
  const layers: BuildResult['layers'][number][] = [];
  let template: Template | undefined;
  if (options.fetchOptions?.offline) await requireOfflineInputs(plan, store, options.fetchOptions);

  for (const [index, layer] of plan.layers.entries()) {
    emit({ type: 'layer-start', recipe: layer.recipe, key: layer.key, index, total: plan.layers.length });
    const started = Date.now();
    const isLast = index === plan.layers.length - 1;
    let scratch: string | undefined;
    const build = async () => {
      const context = await createLayerContext(layer, recipes, store, options);
      // Loaded only when a layer is really built (QEMU, SSH, provisioners).
      const input =
        layer.source.type !== 'parent'
          ? await (await import('./build-iso-layer.ts')).buildIsoLayer(context, started)
          : await (await import('./build-child-layer.ts')).buildChildLayer(context, started);
      scratch = dirname(input.disk);
      return input;
    };
    const force = isLast && (options.force ?? false);
    const shared = force ? undefined : options.sharedLayers?.get(layer.key);
    if (shared) {
      emit({
        type: 'log',
        recipe: layer.recipe,
        level: 'info',
        message: 'waiting for this layer, which another recipe of this command is building',
      });
    }
    const ensuring =
      shared?.then(
        (found) => ({ ...found, outcome: found.outcome === 'stored' ? 'stored' : 'waited' }) as const,
      ) ??
      ensureTemplate(store, layer.key, build, {
        force,
        ...(options.signal && { signal: options.signal }),
        onWait: (holder) =>
          emit({
            type: 'log',
            recipe: layer.recipe,
            level: 'info',
            message: `waiting for a concurrent build of this key${holder ? ` (pid ${holder.pid})` : ''}`,
          }),
      }).finally(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));
    if (!shared && options.sharedLayers) {
      options.sharedLayers.set(layer.key, ensuring);
      // Once stored, later builds find it in the store; a failure stays, so they fail with it instead of retrying.
      // Whoever shares it reports that failure: it is not unhandled here.
      ensuring.then(
        () => options.sharedLayers?.delete(layer.key),
        () => {},
      );
    }
    const result = await ensuring.catch((error: unknown) => {
      emit({ type: 'layer-failed', recipe: layer.recipe, key: layer.key, message: firstLine(error) });
      throw error;
    });
    template = result.template;
    layers.push({ recipe: layer.recipe, outcome: result.outcome });
    if (result.outcome === 'built') {
      emit({
        type: 'layer-built',
        recipe: layer.recipe,
        key: layer.key,
        templateDir: template.dir,
        elapsedMs: Date.now() - started,
      });
    } else {
      emit({
        type: 'layer-cached',
        recipe: layer.recipe,
        key: layer.key,
        templateDir: template.dir,
        outcome: result.outcome,
      });
    }
  }
  return { template: template!, layers };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** Offline, every input of every layer still to build must be at hand: one error lists all that are not. */
async function requireOfflineInputs(
  plan: BuildPlan,
  store: TemplateStore,
  fetchOptions: FetchOptions,
): Promise<void> {
  const downloads: PlannedDownload[] = [];
  for (const layer of plan.layers) {
    if (await findTemplate(store, layer.key)) continue;
    downloads.push(...layer.downloads.filter((download) => !download.url.startsWith('file://')));
  }
  const resolved = resolveFetchOptions(fetchOptions);
  const gaps = describeOfflineGaps(
    await planFetch(downloads.map(toArtifactRequest), fetchOptions),
    resolved.cacheDir,
    resolved.mirror,
  );
  if (gaps) throw gaps;
}

export function openStore(options: Pick<RunBuildOptions, 'output' | 'vmsRoot'>): TemplateStore {
  const output = resolve(options.output ?? 'output');
  return openTemplateStore({
    root: join(output, 'templates'),
    ...(options.vmsRoot && { vmsRoot: options.vmsRoot }),
  });
}

/** What one layer's work needs; its logs go to output/logs/<recipe>-<arch>-<key12>/. */
export async function createLayerContext(
  layer: PlannedLayer,
  recipes: ReadonlyMap<string, ResolvedRecipe>,
  store: TemplateStore,
  options: RunBuildOptions,
): Promise<LayerContext> {
  const logDir = join(dirname(store.root), 'logs', `${layer.recipe}-${layer.arch}-${layer.key.slice(0, 12)}`);
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  // mkdir leaves the mode of folders that exist alone: logs hold command output, for their owner only.
  await chmod(dirname(logDir), 0o700);
  await chmod(logDir, 0o700);
  return {
    layer,
    recipe: recipes.get(layer.recipe)!,
    store,
    logDir,
    accel: options.accel ?? 'auto',
    onError: options.onError ?? 'remove',
    ...(options.bootStallMs !== undefined && { bootStallMs: options.bootStallMs }),
    fetchOptions: options.fetchOptions ?? {},
    runner: options.runner ?? (await import('../host/execa-command-runner.ts')).execaCommandRunner,
    logger: options.logger ?? silentLogger,
    emit: options.onEvent ?? (() => {}),
    ...(options.signal && { signal: options.signal }),
  };
}

export function recipesByName(recipe: ResolvedRecipe): Map<string, ResolvedRecipe> {
  const byName = new Map<string, ResolvedRecipe>();
  for (
    let layer: ResolvedRecipe | undefined = recipe;
    layer;
    layer = layer.source.type === 'parent' ? layer.source.parent : undefined
  ) {
    byName.set(layer.name, layer);
  }
  return byName;
}
