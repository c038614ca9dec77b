import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_BOOT_STALL_MS,
  endedOnStall,
  keepStalledBoot,
  stalledTwiceHint,
  stallReason,
  watchBootStall,
} from '../builders/boot-stall.ts';
import { tailLines } from '../builders/console-text.ts';
import { describeGuestState, guestStateDetails } from '../builders/guest-state.ts';
import {
  generateBuildKey,
  pickFreePort,
  requireHostTools,
  resolveAccel,
  type SshReady,
  waitForSsh,
} from '../builders/index.ts';
import { TnbuildError } from '../errors/index.ts';
import { redactFileInPlace } from '../host/secret-values.ts';
import { type CommitTemplateInput, findTemplate, type Template } from '../templates/index.ts';
import { createVm, startVm, stopVm, vmPaths, vmStatus } from '../vms/index.ts';
import { configureGuest } from './configure-guest.ts';
import { describeTemplate } from './describe-template.ts';
import { fetchInput } from './fetch-layer-inputs.ts';
import { type LayerContext, runStage } from './layer-context.ts';

const BUILD_VM = 'build';

/**
 * A child layer: boot a linked clone of the parent's template whose first-boot seed authorizes this build's key
 * for root, configure and seal it over SSH, then flatten the clone into the child's own template.
 */
export async function buildChildLayer(context: LayerContext, started: number): Promise<CommitTemplateInput> {
  const { layer } = context;
  if (layer.source.type !== 'parent') throw new Error('buildChildLayer needs a parent source');
  await runStage(
    context,
    'fetch',
    async () => {
      for (const download of layer.downloads) await fetchInput(context, download);
    },
    () => `${layer.downloads.length} inputs`,
  );
  const parent = await findTemplate(context.store, layer.source.key);
  if (!parent) {
    throw new TnbuildError(
      'TNB500',
      `the template of ${layer.source.recipe} (key ${layer.source.key.slice(0, 12)}) is not in the store`,
    );
  }
  return withBuildVm(
    context,
    parent,
    async (vm) => {
      const { packages } = await configureGuest(context, vm);
      return describeTemplate(context, {
        disk: vmPaths(vm.vmsRoot, BUILD_VM).disk,
        packages,
        started,
        powerOff: vm.powerOff,
      });
    },
    context.bootStallMs === undefined ? {} : { stallMs: context.bootStallMs },
  );
}

export interface BuildVm {
  readonly vmsRoot: string;
  /** Waits for the sealed guest to power off (QEMU gone): a stop on purpose, not a fault. */
  readonly powerOff: () => Promise<unknown>;
  readonly port: number;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly hostKeySha256: string;
}

export interface BuildVmOptions {
  /** How long the build VM's sshd has to accept the build key. @default 600000 */
  readonly sshDeadlineMs?: number;
  /**
   * A console silent this long on a guest that takes no TCP on port 22 is a stalled boot (`watchBootStall`): the
   * VM is booted once more from its template, and a second stall fails at once. @default 180000
   */
  readonly stallMs?: number;
}

/** A build VM booted and waiting for SSH: its forward, the host key its seed holds, its console log. */
interface BootedVm {
  readonly port: number;
  readonly fingerprint: string;
  readonly serialLog: string;
}

const BOOTS = 2;

/** Boots a throwaway linked clone of `template` reachable as root with a fresh key; always cleaned up after `work`. */
export async function withBuildVm<T>(
  context: LayerContext,
  template: Template,
  work: (vm: BuildVm) => Promise<T>,
  options: BuildVmOptions = {},
): Promise<T> {
  const { layer, recipe } = context;
  const vmsRoot = await mkdtemp(join(tmpdir(), 'tnbuild-vm-'));
  const key = generateBuildKey(`tnbuild-build-${layer.recipe}`);
  let keep = false;
  let poweredOff = false;
  let sshPort: number | undefined;
  const stalledBoots: string[] = [];

  const boot = (): Promise<BootedVm> =>
    runStage(
      context,
      'boot',
      async () => {
        const tools = await requireHostTools(layer.arch);
        const accel = await resolveAccel({
          arch: layer.arch,
          choice: context.accel,
          qemuSystem: tools.qemuSystem,
          firmware: tools.firmware,
          logger: context.logger,
        });
        const port = await pickFreePort(0);
        const created = await createVm({
          template,
          name: BUILD_VM,
          sshPublicKey: key.publicKey,
          hostname: `build-${layer.recipe}`,
          user: 'root',
          ula: null,
          ports: [{ name: 'ssh', guest: 22, host: port }],
          machine: {
            accel: accel.accel,
            cpus: recipe.machine.cpus,
            memoryMiB: Math.round(recipe.machine.memoryBytes / 2 ** 20),
            firmware: tools.firmware,
            qemuSystem: tools.qemuSystem,
          },
          firstBoot: [],
          // Its own segment: the parent may still configure a ULA that running clones use.
          mcast: `230.0.0.1:${port}`,
          vmsRoot,
          runner: context.runner,
        });
        await startVm(BUILD_VM, { vmsRoot, runner: context.runner });
        sshPort = port;
        return { port, fingerprint: created.record.hostKey.fingerprint, serialLog: created.paths.serialLog };
      },
      (result) => `ssh on 127.0.0.1:${result.port}`,
    );

  // A boot that stalls for good (console silent, no TCP) is booted again once; the SSH deadline covers the rest.
  const bootUntilSsh = async (): Promise<{ vm: BootedVm; ready: SshReady }> => {
    for (let attempt = 1; ; attempt++) {
      const vm = await boot();
      const watch = watchBootStall({
        serialLog: vm.serialLog,
        qmpSocket: vmPaths(vmsRoot, BUILD_VM).qmpSocket,
        host: '127.0.0.1',
        port: vm.port,
        guestPort: 22,
        quietMs: options.stallMs ?? DEFAULT_BOOT_STALL_MS,
      });
      try {
        const ready = await runStage(context, 'ssh-ready', () =>
          waitForSsh({
            host: '127.0.0.1',
            port: vm.port,
            username: 'root',
            privateKey: key.privateKey,
            deadlineMs: options.sshDeadlineMs ?? 600_000,
            logger: context.logger,
            stopped: () => stallReason(watch, attempt > 1),
            ...(context.signal && { signal: context.signal }),
          }),
        );
        return { vm, ready };
      } catch (error) {
        const stalled = endedOnStall(error, watch);
        if (stalled === undefined) throw error;
        if (attempt >= BOOTS) throw stalled.error.withHint(stalledTwiceHint());
        const { stall } = stalled;
        stalledBoots.push(
          ...(await keepStalledBoot(context.logDir, vmPaths(vmsRoot, BUILD_VM).serialLog, attempt, stall)),
        );
        context.emit({
          type: 'log',
          recipe: layer.recipe,
          level: 'warn',
          message: `the build VM's boot stalled (${stall.reason}): booting it again from ${template.name}; the stalled boot's console and state are in ${context.logDir}`,
        });
        await stopVm(BUILD_VM, { vmsRoot, deadlineMs: 0 }).catch(() => {});
        await rm(join(vmsRoot, BUILD_VM), { recursive: true, force: true });
      } finally {
        watch.stop();
      }
    }
  };

  try {
    const { vm, ready } = await bootUntilSsh();
    if (ready.hostKeySha256 !== vm.fingerprint) {
      throw new TnbuildError(
        'TNB403',
        `the build VM presented host key ${ready.hostKeySha256}, its seed holds ${vm.fingerprint}`,
        {
          details: [`serial log: ${vm.serialLog}`],
        },
      );
    }
    return await work({
      vmsRoot,
      powerOff: () => {
        poweredOff = true;
        return stopVm(BUILD_VM, { vmsRoot, deadlineMs: 120_000 });
      },
      port: vm.port,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      hostKeySha256: ready.hostKeySha256,
    });
  } catch (error) {
    // An SSH error alone hides the cause when QEMU itself is gone (killed, crashed): say so.
    const gone =
      !poweredOff &&
      (await vmStatus(BUILD_VM, { vmsRoot }).then(
        (status) => status.state !== 'running',
        () => false,
      ));
    // A guest that never answered SSH: ask QEMU what it is doing before it is stopped.
    const guestState =
      !gone && sshPort !== undefined && error instanceof TnbuildError && error.code === 'TNB400'
        ? await describeGuestState({
            qmpSocket: vmPaths(vmsRoot, BUILD_VM).qmpSocket,
            host: '127.0.0.1',
            port: sshPort,
            guestPort: 22,
          })
        : [];
    keep = context.onError === 'keep';
    if (keep)
      context.emit({
        type: 'log',
        recipe: layer.recipe,
        level: 'warn',
        message: `kept the build VM for debugging: ${vmsRoot}/${BUILD_VM}`,
      });
    await stopVm(BUILD_VM, { vmsRoot, deadlineMs: 1_000 }).catch(() => {});
    throw await keepBuildVmLogs(vmsRoot, context.logDir, error, {
      qemu: gone ? 'gone' : poweredOff ? 'off' : 'up',
      guestState,
      stalledBoots,
    });
  } finally {
    await stopVm(BUILD_VM, { vmsRoot, deadlineMs: 1_000 }).catch(() => {});
    if (keep) await redactFileInPlace(join(vmsRoot, BUILD_VM, 'serial.log'));
    else await rm(vmsRoot, { recursive: true, force: true });
  }
}

/**
 * Whatever `onError` says, a failed build VM leaves its console and QEMU's command line in the layer's log folder
 * (secrets redacted), and the error names that folder: the next unexplained failure explains itself.
 */
async function keepBuildVmLogs(
  vmsRoot: string,
  logDir: string,
  error: unknown,
  seen: {
    /** `gone`: QEMU died under the build; `off`: the sealed guest had powered off, so its console tells nothing. */
    readonly qemu: 'up' | 'gone' | 'off';
    /** What QEMU said about a guest that never answered SSH (`describeGuestState`); empty otherwise. */
    readonly guestState: readonly string[];
    /** The files an earlier, stalled boot left in the log folder (`keepStalledBoot`). */
    readonly stalledBoots: readonly string[];
  },
): Promise<unknown> {
  const { qemu, guestState, stalledBoots } = seen;
  const paths = vmPaths(vmsRoot, BUILD_VM);
  const kept: string[] = [];
  for (const [from, to] of [
    [paths.serialLog, 'serial.log'],
    [paths.startScript, 'qemu-command.sh'],
  ] as const) {
    const target = join(logDir, to);
    if (
      await copyFile(from, target).then(
        () => true,
        () => false,
      )
    ) {
      await redactFileInPlace(target);
      kept.push(to);
    }
  }
  if (
    guestState.length > 0 &&
    (await writeFile(join(logDir, 'guest-state.txt'), `${guestState.join('\n')}\n`).then(
      () => true,
      () => false,
    ))
  )
    kept.push('guest-state.txt');
  if (!(error instanceof TnbuildError) || kept.length === 0) return error;
  const tail =
    qemu === 'off' ? [] : tailLines(await readFile(join(logDir, 'serial.log'), 'latin1').catch(() => ''), 8);
  return error.withDetails([
    ...(qemu === 'gone'
      ? ['the build VM’s QEMU had already exited when this failed (killed, or it crashed)']
      : []),
    ...guestStateDetails(guestState),
    ...(tail.length > 0 ? ['console tail:', ...tail.map((line) => `  ${line}`)] : []),
    `logs: ${logDir} (${[...kept, ...stalledBoots].join(', ')})`,
  ]);
}
