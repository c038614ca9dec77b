import { access, chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import { type CommandRunner, type Logger, silentLogger } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { redactFileInPlace } from '../host/secret-values.ts';
import type { AccelProbe } from './accel-probe.ts';
import {
  type BootStallWatch,
  DEFAULT_BOOT_STALL_MS,
  endedOnStall,
  keepStalledBoot,
  stalledTwiceHint,
  stallReason,
  watchBootStall,
} from './boot-stall.ts';
import { createStageTracker, type StageListener } from './build-events.ts';
import { generateBuildKey } from './build-key.ts';
import { runConsoleSteps } from './console-steps.ts';
import type { InstallDriver, InstallPlan } from './drivers/install-driver.ts';
import { execaQemuLauncher } from './execa-qemu-process.ts';
import { explainBuildFailure } from './explain-build-failure.ts';
import { pickForwardPorts } from './free-port.ts';
import { describeGuestState, guestStateDetails } from './guest-state.ts';
import type { HostLookup } from './host-lookup.ts';
import { requireHostTools } from './host-tools.ts';
import { type HttpFileMap, type HttpServer, startHttpServer } from './http-server.ts';
import type { Accel, AccelChoice, Arch, MachineSpec, McastNetdev, PortForward } from './machine-spec.ts';
import { planDiskMachine, planInstallMachine } from './plan-machine.ts';
import { createQemuImg } from './qemu-img.ts';
import type { QemuExit, QemuLauncher, QemuProcess } from './qemu-process.ts';
import { resolveAccel } from './resolve-accel.ts';
import { prepareFirmware, prepareScratchDir, removeScratchDir } from './scratch-dir.ts';
import { shutdownGuest } from './shutdown-guest.ts';
import { type SshReady, waitForSsh } from './wait-for-ssh.ts';

export interface BuildGuestOptions {
  readonly arch: Arch;
  /** Local path of the installer ISO; none when the driver boots a kernel (netboot). */
  readonly iso?: string;
  readonly driver: InstallDriver;
  readonly diskBytes: number;
  /** Build logs (the full serial log) go here. */
  readonly logDir: string;
  /** @default 2 */
  readonly cpus?: number;
  /** @default 2048 */
  readonly memoryMiB?: number;
  /** @default 'auto' */
  readonly accel?: AccelChoice;
  /** Wanted host port for the guest's sshd; a taken one is replaced by a free one. @default 0 (any) */
  readonly sshPort?: number;
  /** More forwards beside `ssh`. */
  readonly ports?: readonly PortForward[];
  readonly extraNetdevs?: readonly McastNetdev[];
  /** Served to the guest beside the driver's files, like Packer's http_directory (guest URL http://10.0.2.2:PORT/…). */
  readonly httpDirectory?: string;
  /** More files served beside the driver's (a path here wins over the directory). */
  readonly httpFiles?: HttpFileMap;
  /** Scratch folder for the disk and sockets. @default a new folder under the OS temp dir */
  readonly workDir?: string;
  /** `keep` leaves the scratch disk after a failure, for debugging. @default 'remove' */
  readonly onError?: 'remove' | 'keep';
  /** Run over SSH by `shutdown()` (Packer's shutdown_command). @default 'poweroff' */
  readonly shutdownCommand?: string;
  /** Milliseconds for sshd to accept the build key after the reboot. @default 600000 */
  readonly sshTimeoutMs?: number;
  /**
   * After restart-from-disk, a console silent this long on a guest that takes no TCP is a stalled boot: QEMU is
   * started from the disk once more (`watchBootStall`). @default 180000
   */
  readonly bootStallMs?: number;
  readonly signal?: AbortSignal;
  readonly onStage?: StageListener;
  readonly logger?: Logger;
  readonly runner?: CommandRunner;
  readonly launcher?: QemuLauncher;
  readonly lookup?: HostLookup;
  readonly accelProbe?: AccelProbe;
}

/** How to reach the installed, running guest. */
export interface GuestSsh {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly username: string;
  readonly privateKey: string;
  readonly publicKey: string;
  /** `SHA256:…` of the guest's host key, seen at first contact; pin it. */
  readonly hostKeySha256: string;
}

export interface GuestHandle {
  readonly ssh: GuestSsh;
  readonly ports: readonly PortForward[];
  readonly accel: Accel;
  readonly serialLogPath: string;
  readonly diskPath: string;
  readonly workDir: string;
  readonly qemu: QemuProcess;
  /** The shutdown command over SSH, then the ACPI power button, then QMP quit, then SIGKILL; all within the deadline. */
  shutdown(options?: { deadlineMs?: number }): Promise<QemuExit>;
  kill(): Promise<QemuExit>;
  /** Deletes the scratch folder (disk included); call after shutdown once the disk is no longer needed. */
  removeScratch(): Promise<void>;
}

async function requireIso(iso: string): Promise<void> {
  try {
    await access(iso);
  } catch {
    throw new TnbuildError('TNB309', `the installer ISO ${iso} does not exist`);
  }
}

function checkDiskSize(plan: InstallPlan, diskBytes: number, driver: string): void {
  if (plan.minDiskBytes === undefined || plan.minDiskBytes <= diskBytes) return;
  const mib = (bytes: number): string => `${Math.ceil(bytes / 1024 ** 2)} MiB`;
  throw new TnbuildError(
    'TNB307',
    `the ${driver} install needs at least ${mib(plan.minDiskBytes)} but the disk has ${mib(diskBytes)}`,
  );
}

/**
 * ISO → installed guest reachable over SSH: scratch qcow2, HTTP server for the answer files, QEMU booting the CD
 * once, the driver's console steps, the reboot into the disk, then SSH with an ephemeral build key. On failure or
 * abort nothing keeps running and the scratch disk is removed (or kept with `onError: 'keep'`, said in the error).
 */
export async function buildGuest(options: BuildGuestOptions): Promise<GuestHandle> {
  const logger = options.logger ?? silentLogger;
  const launcher = options.launcher ?? execaQemuLauncher;
  const signal = options.signal;
  const stages = createStageTracker(options.onStage);
  const tools = await requireHostTools(options.arch, options.lookup);
  if (options.iso !== undefined) await requireIso(options.iso);
  const { accel } = await resolveAccel({
    arch: options.arch,
    choice: options.accel ?? 'auto',
    qemuSystem: tools.qemuSystem,
    firmware: tools.firmware,
    logger,
    probe: options.accelProbe,
  });
  await mkdir(options.logDir, { recursive: true, mode: 0o700 });
  const serialLogPath = join(resolve(options.logDir), 'serial.log');
  // QEMU appends (the restart-from-disk run adds to the installer's log); each build starts a fresh one, and
  // only its owner reads it.
  await writeFile(serialLogPath, '', { mode: 0o600 });
  await chmod(serialLogPath, 0o600);
  const key = generateBuildKey();
  const scratch = await prepareScratchDir(options.workDir);
  const diskPath = join(scratch.dir, 'disk.qcow2');
  let http: HttpServer | undefined;
  let qemu: QemuProcess | undefined;
  /** Asks QEMU about a guest whose sshd never answered; set once the SSH forward exists. */
  let askAboutGuest: (() => Promise<string[]>) | undefined;
  // Watches the installed system's boot from disk (restart-from-disk): a stall boots it once more.
  let watch: BootStallWatch | undefined;
  let bootedAgain = false;
  try {
    http = await startHttpServer({
      logger,
      files: options.httpFiles ?? {},
      ...(options.httpDirectory ? { directory: options.httpDirectory } : {}),
    });
    const plan = await options.driver.plan({
      arch: options.arch,
      guestUrl: http.guestUrl,
      authorizedKey: key.publicKey,
      diskDevice: '/dev/vda',
      diskBytes: options.diskBytes,
    });
    checkDiskSize(plan, options.diskBytes, options.driver.name);
    if (options.iso === undefined && plan.kernelBoot === undefined)
      throw new TnbuildError(
        'TNB309',
        `the ${options.driver.name} install has nothing to boot: no ISO and no kernel`,
        {
          hint: "Give the recipe's source an `iso`, or use `type: 'netboot'` with a `kernel` and an `initrd`.",
        },
      );
    http.serve(plan.files);
    await createQemuImg(options.runner ?? execaCommandRunner, tools.qemuImg).create(
      diskPath,
      options.diskBytes,
    );
    const { ports, moved } = await pickForwardPorts([
      { name: 'ssh', host: options.sshPort ?? 0, guest: 22 },
      ...(options.ports ?? []),
    ]);
    for (const port of moved) logger.warn(`host port ${port.from} is taken; using ${port.to} instead`);
    const spec = planInstallMachine(
      {
        arch: options.arch,
        accel,
        firmware: await prepareFirmware(tools.firmware, scratch),
        cpus: options.cpus ?? 2,
        memoryMiB: options.memoryMiB ?? 2048,
        ...(options.iso !== undefined && { iso: resolve(options.iso) }),
        disk: diskPath,
        scratchDir: scratch.dir,
        serialLog: serialLogPath,
        ports,
        ...(options.extraNetdevs === undefined ? {} : { extraNetdevs: options.extraNetdevs }),
      },
      plan,
    );
    const start = async (machine: MachineSpec): Promise<QemuProcess> => {
      qemu = await launcher.start(machine, { binary: tools.qemuSystem, signal, logger });
      return qemu;
    };

    stages.start('boot', `${options.arch} ${accel}`);
    let running = await start(spec);
    await runConsoleSteps(running.console, plan.bootSteps, { signal });
    stages.done();

    stages.start('install', options.driver.name);
    await runConsoleSteps(running.console, plan.installSteps, { signal });
    stages.done();
    await http.close();

    const sshPort = ports[0]?.host ?? 0;
    askAboutGuest = () =>
      describeGuestState({ qmpSocket: spec.qmpSocket, host: '127.0.0.1', port: sshPort, guestPort: 22 });
    const bootDisk = async (): Promise<void> => {
      const startSize = await stat(serialLogPath).then(
        (stats) => stats.size,
        () => 0,
      );
      running = await start(planDiskMachine(spec));
      watch?.stop();
      watch = watchBootStall({
        serialLog: serialLogPath,
        startSize,
        qmpSocket: spec.qmpSocket,
        host: '127.0.0.1',
        port: sshPort,
        guestPort: 22,
        quietMs: options.bootStallMs ?? DEFAULT_BOOT_STALL_MS,
      });
    };
    const waitForBuildKey = (maxPauseMs?: number, until = signal) =>
      waitForSsh({
        host: '127.0.0.1',
        port: sshPort,
        username: plan.username,
        privateKey: key.privateKey,
        deadlineMs: options.sshTimeoutMs ?? 600_000,
        ...(until && { signal: until }),
        logger,
        stopped: () => (running.hasExited ? 'QEMU exited' : stallReason(watch, bootedAgain)),
        ...(maxPauseMs !== undefined && { maxPauseMs }),
      });
    /** The reboot into the installed system, then its sshd; a promise of SSH when the reboot steps raced it. */
    const rebootIntoDisk = async (attempt: number): Promise<Promise<SshReady> | undefined> => {
      let sshReady: Promise<SshReady> | undefined;
      stages.start('reboot', plan.afterInstall);
      if (plan.afterInstall === 'restart-from-disk') {
        if (attempt === 1) {
          const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 120_000).unref());
          if ((await Promise.race([running.exited, timer])) === 'timeout')
            await running.shutdown({ deadlineMs: 30_000 });
        } else {
          await running.kill();
        }
        await running.console.close();
        await bootDisk();
      }
      const rebootSteps = plan.rebootSteps ?? [];
      // On a restarted QEMU, steps that only watch the console (a login prompt) need not finish before SSH is
      // tried: sshd often answers first. Whichever comes first ends the reboot; a failure marker on the console
      // still fails it. (Not in place: until the old system is down, its sshd may be the one answering.)
      if (
        plan.afterInstall === 'restart-from-disk' &&
        rebootSteps.length > 0 &&
        rebootSteps.every((step) => 'expect' in step)
      ) {
        const watching = new AbortController();
        const polling = new AbortController();
        const either = (own: AbortSignal) => (signal ? AbortSignal.any([signal, own]) : own);
        sshReady = waitForBuildKey(1000, either(polling.signal));
        const consoleSeen = runConsoleSteps(running.console, rebootSteps, {
          signal: either(watching.signal),
        });
        // Each is awaited below or abandoned on purpose: neither rejection is unhandled.
        consoleSeen.catch(() => {});
        sshReady.catch(() => {});
        await Promise.race([consoleSeen, sshReady]).then(
          () => watching.abort(),
          (error: unknown) => {
            watching.abort();
            polling.abort();
            throw error;
          },
        );
      } else {
        await runConsoleSteps(running.console, rebootSteps, { signal });
      }
      stages.done();
      return sshReady;
    };

    let ready: SshReady | undefined;
    for (let attempt = 1; ready === undefined; attempt++) {
      try {
        const sshReady = plan.afterInstall === 'stay' ? undefined : await rebootIntoDisk(attempt);
        stages.start('ssh-ready');
        // Polled every second at most: a login on loopback costs little, and a longer backoff is time lost.
        ready = await (sshReady ?? waitForBuildKey(1000));
      } catch (error) {
        // A boot from disk that stalled for good (console silent, no TCP) is booted once more, as a person would.
        const stalled = endedOnStall(error, watch);
        if (stalled === undefined) throw error;
        if (bootedAgain) throw stalled.error.withHint(stalledTwiceHint());
        const { stall } = stalled;
        await keepStalledBoot(options.logDir, serialLogPath, attempt, stall);
        bootedAgain = true;
        stages.fail(stall.reason);
        logger.warn(
          `the installed system's boot stalled (${stall.reason}): booting it again; the stalled boot's console and state are in ${options.logDir}`,
        );
      }
    }
    watch?.stop();
    stages.done(ready.hostKeySha256);
    const guest = running;
    const ssh: GuestSsh = {
      host: '127.0.0.1',
      port: sshPort,
      username: plan.username,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      hostKeySha256: ready.hostKeySha256,
    };
    return {
      ssh,
      ports,
      accel,
      serialLogPath,
      diskPath,
      workDir: scratch.dir,
      qemu: guest,
      shutdown: async (shutdownOptions = {}) => {
        const exit = await shutdownGuest(
          guest,
          ssh,
          options.shutdownCommand ?? 'poweroff',
          shutdownOptions.deadlineMs ?? 120_000,
        );
        await guest.console.close();
        await redactFileInPlace(serialLogPath);
        return exit;
      },
      kill: async () => {
        const exit = await guest.kill();
        await guest.console.close();
        await redactFileInPlace(serialLogPath);
        return exit;
      },
      removeScratch: () => removeScratchDir(scratch),
    };
  } catch (caught) {
    watch?.stop();
    const guestState =
      askAboutGuest !== undefined &&
      isTnbuildError(caught) &&
      caught.code === 'TNB400' &&
      qemu !== undefined &&
      !(qemu as QemuProcess).hasExited
        ? await askAboutGuest()
        : [];
    const error =
      guestState.length > 0 && isTnbuildError(caught)
        ? caught.withDetails(guestStateDetails(guestState))
        : caught;
    if (guestState.length > 0)
      await writeFile(join(options.logDir, 'guest-state.txt'), `${guestState.join('\n')}\n`).catch(() => {});
    const exit = qemu === undefined ? undefined : await (qemu as QemuProcess).kill();
    await (qemu as QemuProcess | undefined)?.console?.close();
    await redactFileInPlace(serialLogPath);
    await http?.close();
    const kept = options.onError === 'keep';
    if (!kept) await removeScratchDir(scratch);
    const explained = explainBuildFailure(error, {
      stage: stages.stage,
      exit,
      aborted: signal?.aborted ?? false,
      serialLogPath,
      diskBytes: options.diskBytes,
      keptScratch: kept ? scratch.dir : undefined,
    });
    stages.fail(explained.message);
    throw explained;
  }
}
