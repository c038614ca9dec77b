import { TnbuildError } from '../errors/index.ts';
import { qemuBinaryFor } from './build-qemu-args.ts';
import { type HostLookup, nodeHostLookup } from './host-lookup.ts';
import { formatInstallHints, type InstallHints, installHintsFor } from './install-hints.ts';
import type { Arch, Firmware } from './machine-spec.ts';

/**
 * Known aarch64 UEFI images: CODE/VARS pflash pairs first (each VM gets its own copy of the variable store, so its
 * boot entries survive a restart, as on hardware), then a single `-bios` file (variables kept in memory only).
 */
export const aarch64FirmwareCandidates: readonly Firmware[] = [
  { type: 'uefi', code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd' },
  {
    type: 'uefi',
    code: '/usr/share/edk2/aarch64/QEMU_CODE.fd',
    vars: '/usr/share/edk2/aarch64/QEMU_VARS.fd',
  },
  { type: 'uefi', code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' },
  { type: 'uefi', code: '/usr/share/edk2/aarch64/QEMU_EFI.fd' },
  { type: 'uefi', code: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd' },
  { type: 'uefi', code: '/usr/local/share/qemu/edk2-aarch64-code.fd' },
];

/** One line of a doctor report: found (with where) or missing (with the exact install commands). */
export interface HostToolCheck {
  readonly name: string;
  readonly kind: 'binary' | 'firmware';
  readonly found: boolean;
  readonly path?: string;
  readonly install: InstallHints;
}

export interface HostTools {
  readonly qemuSystem: string;
  readonly qemuImg: string;
  readonly firmware: Firmware;
}

async function findFirmware(lookup: HostLookup): Promise<Firmware | undefined> {
  for (const candidate of aarch64FirmwareCandidates) {
    if (candidate.type !== 'uefi') continue;
    if (!(await lookup.fileExists(candidate.code))) continue;
    if (candidate.vars !== undefined && !(await lookup.fileExists(candidate.vars))) continue;
    return candidate;
  }
  return undefined;
}

/** Structured results for `tnbuild doctor`: every tool a build for `arch` needs, found or not. */
export async function checkHostTools(
  arch: Arch,
  lookup: HostLookup = nodeHostLookup,
): Promise<HostToolCheck[]> {
  const checks: HostToolCheck[] = [];
  for (const [name, tool] of [
    [qemuBinaryFor(arch), 'qemu-system'],
    ['qemu-img', 'qemu-img'],
  ] as const) {
    const path = await lookup.findExecutable(name);
    checks.push({
      name,
      kind: 'binary',
      found: path !== undefined,
      path,
      install: installHintsFor(tool, arch),
    });
  }
  if (arch === 'aarch64') {
    const firmware = await findFirmware(lookup);
    const path = firmware?.type === 'uefi' ? firmware.code : undefined;
    const install = installHintsFor('firmware', arch);
    checks.push({
      name: 'aarch64 UEFI firmware',
      kind: 'firmware',
      found: path !== undefined,
      path,
      install,
    });
  }
  return checks;
}

/** Finds everything a build needs or throws TNB300 (a binary) / TNB301 (firmware) naming the install command. */
export async function requireHostTools(arch: Arch, lookup: HostLookup = nodeHostLookup): Promise<HostTools> {
  const checks = await checkHostTools(arch, lookup);
  const missing = checks.find((check) => !check.found);
  if (missing !== undefined) {
    const code = missing.kind === 'firmware' ? 'TNB301' : 'TNB300';
    const looked =
      missing.kind === 'firmware'
        ? aarch64FirmwareCandidates.map((candidate) =>
            candidate.type === 'uefi' ? `looked for ${candidate.code}` : '',
          )
        : [`looked on PATH for ${missing.name}`];
    throw new TnbuildError(code, `${missing.name} is not installed; an ${arch} build needs it`, {
      details: [...looked, 'install it with:', ...formatInstallHints(missing.install)],
      hint: `Install it (${missing.install.debian} on Debian/Ubuntu), or run \`tnbuild doctor\`.`,
    });
  }
  const pathOf = (name: string): string => checks.find((check) => check.name === name)?.path ?? name;
  const firmware: Firmware =
    arch === 'aarch64' ? ((await findFirmware(lookup)) as Firmware) : { type: 'bios' };
  return { qemuSystem: pathOf(qemuBinaryFor(arch)), qemuImg: pathOf('qemu-img'), firmware };
}
