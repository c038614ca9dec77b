import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../host/command-runner.ts';
import type { AccelProbe } from './accel-probe.ts';
import { cpuModelFor } from './build-qemu-args.ts';
import { execaAccelProbe } from './execa-accel-probe.ts';
import type { Accel, AccelChoice, Arch, Firmware } from './machine-spec.ts';
import { X86_PROBE_PROOF, x86ProbeFirmware } from './x86-probe-firmware.ts';

export interface ResolveAccelOptions {
  readonly arch: Arch;
  readonly choice: AccelChoice;
  readonly qemuSystem: string;
  readonly firmware: Firmware;
  readonly logger?: Logger;
  readonly probe?: AccelProbe;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default the arch Node runs on */
  readonly hostArch?: Arch | 'other';
  /** @default '/dev/kvm' */
  readonly kvmDevice?: string;
  /**
   * A hypervisor that works proves itself in well under a second (TCG needs ~0.1 s for the x86 image); one that
   * cannot run a kernel usually hangs, so the whole deadline is paid on such hosts, by every command that probes.
   * @default 3000
   */
  readonly probeTimeoutMs?: number;
}

export interface ResolvedAccel {
  readonly accel: Accel;
  /** How long the proof boot took, when one ran. */
  readonly probeMs?: number;
  /** Why a hypervisor was not used, when it was not. */
  readonly fallbackReason?: string;
}

const cache = new Map<string, Promise<ResolvedAccel>>();

/** Forget cached probe results (tests). */
export function clearAccelCache(): void {
  cache.clear();
}

function nodeArch(): Arch | 'other' {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  return 'other';
}

/**
 * The QEMU argv of the proof boot, serial console on stdout: on x86_64 the probe image (`x86Image`, which must reach
 * long mode), on aarch64 the UEFI firmware (already in 64-bit mode with the MMU on when it prints its banner).
 */
export function buildProbeArgs(arch: Arch, accel: Accel, firmware: Firmware, x86Image: string): string[] {
  const machine = arch === 'aarch64' ? 'virt' : 'q35';
  const args = ['-nodefaults', '-no-user-config', '-display', 'none', '-machine', machine];
  args.push('-accel', accel, '-cpu', cpuModelFor(arch, accel), '-m', '64', '-serial', 'stdio', '-no-reboot');
  if (arch === 'x86_64') args.push('-bios', x86Image);
  else if (firmware.type === 'uefi') args.push('-bios', firmware.code);
  return args;
}

/** What the proof boot's console must show. */
export function probeProof(arch: Arch): RegExp {
  // Any word from EDK2 proves the aarch64 guest ran.
  return arch === 'x86_64' ? new RegExp(X86_PROBE_PROOF) : /[A-Za-z]{4}/;
}

async function whyNotUsable(accel: Accel, options: ResolveAccelOptions): Promise<string | undefined> {
  const platform = options.platform ?? process.platform;
  const hostArch = options.hostArch ?? nodeArch();
  if (accel === 'tcg') return undefined;
  if (accel === 'kvm' && platform !== 'linux') return `KVM needs Linux (this host is ${platform})`;
  if (accel === 'hvf' && platform !== 'darwin') return `HVF needs macOS (this host is ${platform})`;
  if (hostArch !== options.arch) return `an ${options.arch} guest cannot use ${accel} on an ${hostArch} host`;
  if (accel === 'kvm') {
    const device = options.kvmDevice ?? '/dev/kvm';
    try {
      await access(device, constants.R_OK | constants.W_OK);
    } catch {
      return `${device} is missing or not writable by this user`;
    }
  }
  return undefined;
}

async function proveAccel(accel: Accel, options: ResolveAccelOptions): Promise<ResolvedAccel | string> {
  const blocked = await whyNotUsable(accel, options);
  if (blocked !== undefined) return blocked;
  // A firmware image for aarch64 is the proof payload; without one the caller reports TNB301 first.
  const probe = options.probe ?? execaAccelProbe;
  const dir = await mkdtemp(join(tmpdir(), 'tnbuild-probe-'));
  try {
    const image = join(dir, 'probe.bin');
    if (options.arch === 'x86_64') await writeFile(image, x86ProbeFirmware());
    const args = buildProbeArgs(options.arch, accel, options.firmware, image);
    const proof = probeProof(options.arch);
    const result = await probe.probe(options.qemuSystem, args, options.probeTimeoutMs ?? 3000, proof);
    if (result.ok) return { accel, probeMs: result.elapsedMs };
    return `${accel} could not run a guest: ${result.reason ?? 'no output'}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function resolveUncached(options: ResolveAccelOptions): Promise<ResolvedAccel> {
  const logger = options.logger ?? silentLogger;
  if (options.choice === 'tcg') return { accel: 'tcg' };
  if (options.choice !== 'auto') {
    const proven = await proveAccel(options.choice, options);
    if (typeof proven !== 'string') return proven;
    throw new TnbuildError('TNB305', `--accel ${options.choice} was asked for but is unusable: ${proven}`);
  }
  const platform = options.platform ?? process.platform;
  const candidate: Accel | undefined =
    platform === 'linux' ? 'kvm' : platform === 'darwin' ? 'hvf' : undefined;
  if (candidate === undefined)
    return { accel: 'tcg', fallbackReason: `no hypervisor tnbuild knows on ${platform}` };
  const proven = await proveAccel(candidate, options);
  if (typeof proven !== 'string') return proven;
  logger.warn(`${proven}; using TCG (slower emulation)`);
  return { accel: 'tcg', fallbackReason: proven };
}

/**
 * Picks the accelerator; `auto` proves KVM/HVF by booting a guest that does what a kernel does first, and falls back
 * to TCG. Cached per process.
 */
export function resolveAccel(options: ResolveAccelOptions): Promise<ResolvedAccel> {
  const key = [
    options.arch,
    options.choice,
    options.qemuSystem,
    options.kvmDevice ?? '',
    options.platform ?? '',
  ].join('|');
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const pending = resolveUncached(options);
  cache.set(key, pending);
  pending.catch(() => cache.delete(key));
  return pending;
}
