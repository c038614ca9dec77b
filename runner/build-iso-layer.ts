import {
  alpineDriver,
  buildGuest,
  consoleDriver,
  type HttpFileMap,
  type InstallDriver,
  scriptDriver,
} from '../builders/index.ts';
import { ALPINE_MIRROR } from '../dsl/resolve-recipe.ts';
import type { ResolvedInstaller, ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import type { CommitTemplateInput } from '../templates/index.ts';
import { configureGuest } from './configure-guest.ts';
import { describeTemplate } from './describe-template.ts';
import { fetchInput } from './fetch-layer-inputs.ts';
import { type LayerContext, runStage } from './layer-context.ts';

/** An ISO layer: install from the distribution's installer, then configure and seal over SSH. */
export async function buildIsoLayer(context: LayerContext, started: number): Promise<CommitTemplateInput> {
  const { layer, recipe } = context;
  if (recipe.source.type !== 'iso' || layer.source.type !== 'iso')
    throw new Error('buildIsoLayer needs an ISO source');
  const installer = recipe.source.installer;
  // Every input first (the ISO, served files, the steps' downloads): a bad URL or checksum fails before QEMU starts.
  const iso = await runStage(
    context,
    'fetch',
    async () => {
      const files: Record<string, { path: string }> = {};
      let isoPath = '';
      for (const download of layer.downloads) {
        const path = await fetchInput(context, download);
        const served = /^source\.installer\.files\.(.+)$/.exec(download.for);
        if (served) files[`/${served[1]}`] = { path };
        if (download.for === 'source.iso') isoPath = path;
      }
      if (installer.type !== 'alpine') {
        for (const [name, file] of Object.entries(installer.files))
          if ('path' in file) files[`/${name}`] = { path: file.path };
      }
      return { path: isoPath, files };
    },
    (result) => result.path,
  );

  const guest = await buildGuest({
    arch: layer.arch,
    iso: iso.path,
    driver: driverFor(installer, recipe, iso.files),
    diskBytes: recipe.machine.diskBytes,
    cpus: recipe.machine.cpus,
    memoryMiB: Math.round(recipe.machine.memoryBytes / 2 ** 20),
    logDir: context.logDir,
    accel: context.accel,
    onError: context.onError,
    logger: context.logger,
    runner: context.runner,
    ...(context.signal && { signal: context.signal }),
    onStage: (event) =>
      context.emit({
        type: 'stage',
        recipe: layer.recipe,
        stage: event.stage,
        status: event.status,
        elapsedMs: event.elapsedMs,
        ...(event.detail && { detail: event.detail }),
      }),
  });
  let keep = false;
  try {
    const { packages } = await configureGuest(context, guest.ssh);
    // The seal powers the guest off; the deadline only matters when it hangs on the way down.
    await guest.shutdown({ deadlineMs: 120_000 });
    return await describeTemplate(context, { disk: guest.diskPath, packages, started });
  } catch (error) {
    keep = context.onError === 'keep';
    await guest.kill();
    if (keep)
      context.emit({
        type: 'log',
        recipe: layer.recipe,
        level: 'warn',
        message: `kept the build disk for debugging: ${guest.diskPath}`,
      });
    throw error;
  } finally {
    if (!keep) await guest.removeScratch().catch(() => {});
  }
}

function driverFor(installer: ResolvedInstaller, recipe: ResolvedRecipe, files: HttpFileMap): InstallDriver {
  const hostname = recipe.name;
  if (installer.type === 'alpine') {
    const repos =
      installer.mirror === ALPINE_MIRROR
        ? `-1${installer.community ? ' -c' : ''}`
        : ['main', ...(installer.community ? ['community'] : [])]
            .map((repo) => `${installer.mirror}/v${recipe.os.release}/${repo}`)
            .join(' ');
    return alpineDriver({ hostname, timezone: installer.timezone, apkReposOpts: repos });
  }
  if (installer.type === 'console') {
    return consoleDriver({
      hostname,
      vars: recipe.vars,
      bootSteps: installer.boot,
      end: installer.end,
      failOn: installer.failOn,
      after: installer.after,
      afterSteps: installer.afterBoot,
      files: {
        ...files,
        ...Object.fromEntries(
          Object.entries(installer.templates).map(([name, file]) => [`/${name}`, { template: file.content }]),
        ),
      },
      qemuArgs: installer.qemuArgs,
      user: installer.user,
    });
  }
  return scriptDriver({
    label: installer.bootLabel,
    ...(installer.answer && { answerTemplate: installer.answer.content }),
    files,
    hostname,
    vars: recipe.vars,
  });
}
