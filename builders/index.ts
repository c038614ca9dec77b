export type { AccelProbe, AccelProbeResult } from './accel-probe.ts';
export type { BuildStage, StageEvent, StageListener } from './build-events.ts';
export { type BuildGuestOptions, buildGuest, type GuestHandle, type GuestSsh } from './build-guest.ts';
export { type BuildKey, generateBuildKey } from './build-key.ts';
export { buildQemuArgs, cpuModelFor, qemuBinaryFor } from './build-qemu-args.ts';
export {
  type ConsoleStep,
  describeConsoleSteps,
  type ExpectStep,
  runConsoleSteps,
  type SendStep,
  type SleepStep,
} from './console-steps.ts';
export {
  type AlpineAnswerOptions,
  renderAlpineAnswerFile,
  serialConsoleFor,
} from './drivers/alpine-answer-file.ts';
export { type AlpineDriverOptions, alpineDriver } from './drivers/alpine-driver.ts';
export {
  type ConsoleInstallerSpec,
  consoleDriver,
} from './drivers/console-driver.ts';
export type { InstallContext, InstallDriver, InstallPlan } from './drivers/install-driver.ts';
export { renderAnswerTemplate, type ScriptDriverOptions, scriptDriver } from './drivers/script-driver.ts';
export { execaAccelProbe } from './execa-accel-probe.ts';
export { execaQemuLauncher } from './execa-qemu-process.ts';
export { pickForwardPorts, pickFreePort } from './free-port.ts';
export { type HostLookup, nodeHostLookup } from './host-lookup.ts';
export {
  aarch64FirmwareCandidates,
  checkHostTools,
  type HostToolCheck,
  type HostTools,
  requireHostTools,
} from './host-tools.ts';
export { type HttpFile, type HttpFileMap, type HttpServer, startHttpServer } from './http-server.ts';
export { formatInstallHints, type InstallHints, installHintsFor } from './install-hints.ts';
export type {
  Accel,
  AccelChoice,
  Arch,
  ExtraDrive,
  Firmware,
  KernelBoot,
  MachineSpec,
  McastNetdev,
  PortForward,
} from './machine-spec.ts';
export { type PlanMachineInput, planDiskMachine, planInstallMachine } from './plan-machine.ts';
export { createQemuImg, type DiskInfo, type QemuImg } from './qemu-img.ts';
export type { QemuExit, QemuLauncher, QemuProcess, StartQemuOptions } from './qemu-process.ts';
export { QmpClient } from './qmp-client.ts';
export {
  clearAccelCache,
  type ResolveAccelOptions,
  type ResolvedAccel,
  resolveAccel,
} from './resolve-accel.ts';
export { runOverSsh, type SshCommandResult, type SshTarget } from './run-over-ssh.ts';
export {
  connectSerialConsole,
  type ExpectOptions,
  type SendOptions,
  SerialConsole,
} from './serial-console.ts';
export { fingerprintSha256, type SshReady, waitForSsh } from './wait-for-ssh.ts';
