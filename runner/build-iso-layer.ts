import {
  alpineDriver,
  buildGuest,
  type ConsoleInstallerSpec,
  consoleDriver,
  type HttpFileMap,
  type InstallDriver,
  scriptDriver,
} from '../builders/index.ts';
import { ALPINE_MIRROR } from '../dsl/resolve-recipe.ts';
import type { ResolvedInstaller, ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { isLocalInput, sourceInputs } from '../dsl/source-inputs.ts';
import type { CommitTemplateInput } from '../templates/index.ts';
import { configureGuest } from './configure-guest.ts';
import { describeTemplate } from './describe-template.ts';
import { fetchInput } from './fetch-layer-inputs.ts';
import { type LayerContext, runStage } from './layer-context.ts';

/** A layer installed from a medium (an ISO, or a netboot kernel + initrd), then configured and sealed over SSH. */
export async function buildIsoLayer(context: LayerContext, started: number): Promise<CommitTemplateInput> {
  const { layer, recipe } = context;
  if (recipe.source.type === 'parent') throw new Error('buildIsoLayer needs an install source');
  const source = recipe.source;
  const installer = source.installer;
  // Every input first (the medium, served files, the steps' downloads): a bad URL or checksum fails before QEMU
  // starts. A download lands at its cache path; a file next to the recipe is used where it is.
  const media = await runStage(
    context,
    'fetch',
    async () => {
      const paths = new Map<string, string>();
      for (const download of layer.downloads) paths.set(download.for, await fetchInput(context, download));
      for (const { field, input } of sourceInputs(source))
        if (isLocalInput(input)) paths.set(field, input.path);
      const files: Record<string, { path: string }> = {};
      for (const name of Object.keys(installer.type === 'alpine' ? {} : installer.files))
        files[`/${name}`] = { path: paths.get(`source.installer.files.${name}`)! };
      return { paths, files };
    },
    (result) => result.paths.get('source.iso') ?? result.paths.get('source.kernel') ?? '',
  );
  const kernel =
    source.type === 'netboot'
      ? {
          kernel: media.paths.get('source.kernel')!,
          initrd: media.paths.get('source.initrd')!,
          cmdline: source.cmdline,
        }
      : undefined;

  const guest = await buildGuest({
    arch: layer.arch,
    ...(source.type === 'iso' && { iso: media.paths.get('source.iso')! }),
    driver: driverFor(installer, recipe, media.files, kernel),
    diskBytes: recipe.machine.diskBytes,
    cpus: recipe.machine.cpus,
    memoryMiB: Math.round(recipe.machine.memoryBytes / 2 ** 20),
    logDir: context.logDir,
    accel: context.accel,
    onError: context.onError,
    ...(context.bootStallMs !== undefined && { bootStallMs: context.bootStallMs }),
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
    return await describeTemplate(context, {
      disk: guest.diskPath,
      packages,
      started,
      // The seal powers the guest off; the deadline only matters when it hangs on the way down.
      powerOff: () => guest.shutdown({ deadlineMs: 120_000 }),
    });
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

export function driverFor(
  installer: ResolvedInstaller,
  recipe: ResolvedRecipe,
  files: HttpFileMap,
  kernel?: ConsoleInstallerSpec['kernel'],
): InstallDriver {
  const hostname = recipe.name;
  if (installer.type === 'alpine') {
    const repos =
      installer.mirror === ALPINE_MIRROR
        ? `-1${installer.community ? ' -c' : ''}`
        : ['main', ...(installer.community ? ['community'] : [])]
            .map((repo) => `${installer.mirror}/v${recipe.os.release}/${repo}`)
            .join(' ');
    return alpineDriver({
      hostname,
      timezone: installer.timezone,
      apkReposOpts: repos,
      failOn: installer.failOn,
      qemuArgs: installer.qemuArgs,
      bootTimeoutMs: installer.timeouts.bootMs,
      installTimeoutMs: installer.timeouts.installMs,
      rebootTimeoutMs: installer.timeouts.rebootMs,
    });
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
      ...(kernel && { kernel }),
    });
  }
  return scriptDriver({
    label: installer.bootLabel,
    ...(installer.answer && { answerTemplate: installer.answer.content }),
    files,
    hostname,
    vars: recipe.vars,
    failOn: installer.failOn,
    qemuArgs: installer.qemuArgs,
    bootPromptTimeoutMs: installer.timeouts.bootMs,
    installTimeoutMs: installer.timeouts.installMs,
    rebootTimeoutMs: installer.timeouts.rebootMs,
  });
}
