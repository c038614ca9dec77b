import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { type HostLookup, nodeHostLookup } from '../builders/host-lookup.ts';
import { checkHostTools, type HostToolCheck } from '../builders/host-tools.ts';
import { formatInstallHints } from '../builders/install-hints.ts';
import type { Arch } from '../builders/machine-spec.ts';
import { resolveAccel } from '../builders/resolve-accel.ts';
import { loadRecipes } from '../dsl/load-recipes.ts';
import { ARCHES } from '../dsl/schema.ts';
import { RUNS_COMPILED, tnbuildVersion } from '../host/package-root.ts';
import type { GlobalOptions } from './global-options.ts';
import { downloadsOf, probeDownloadHosts } from './probe-downloads.ts';

const MIN_FREE_BYTES = 20 * 2 ** 30;

const XORRISO_HINTS = {
  debian: 'sudo apt-get install xorriso',
  fedora: 'sudo dnf install xorriso',
  arch: 'sudo pacman -S libisoburn',
  macos: 'brew install xorriso',
};

/** Where the recipes' downloads will come from, and whether each source answers. */
async function checkDownloadHosts(options: DoctorOptions): Promise<DoctorCheck[]> {
  if (!existsSync(options.recipes)) return [];
  const { recipes } = await loadRecipes(options.recipes);
  const needs = downloadsOf(recipes.values());
  if (needs.size === 0) return [];
  const mirror = options.mirror ?? process.env.TNBUILD_MIRROR;
  if (mirror && !/^https?:\/\//i.test(mirror)) {
    // A folder: what it lacks is fetched upstream, so the hosts still matter; say where the mirror is.
    return [
      { name: 'mirror folder', status: 'note', detail: `${mirror} is looked in first` },
      ...(await hostChecks(needs)),
    ];
  }
  if (mirror) {
    const files = new Map([[mirror, [...needs.values()].flat()]]);
    return hostChecks(files, 'mirror');
  }
  return hostChecks(needs);
}

async function hostChecks(needs: Map<string, string[]>, label = 'download host'): Promise<DoctorCheck[]> {
  return (await probeDownloadHosts(needs)).map((host) => ({
    name: `${label} ${host.origin}`,
    status: host.reachable ? 'ok' : 'unreachable',
    detail: host.detail,
    ...(!host.reachable && { neededBy: host.neededBy }),
  }));
}

/** One line of the doctor's report, as `doctor --json` gives it. */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'ok' | 'missing' | 'low' | 'note' | 'unreachable';
  readonly path?: string;
  readonly detail?: string;
  /** The install command per host family, for what is missing. */
  readonly install?: readonly string[];
  /** For a download host: what in the recipes needs it. */
  readonly neededBy?: readonly string[];
}

export interface DoctorOptions extends GlobalOptions {
  readonly lookup?: HostLookup;
  /** Ask every host the recipes download from (or the mirror) whether it answers. @default false (the CLI: true) */
  readonly checkDownloads?: boolean;
  /** --mirror, else $TNBUILD_MIRROR: downloads come from there first. */
  readonly mirror?: string;
  /**
   * `--arch` given: check only what guests of this architecture need (its emulator and firmware) and the
   * accelerator they get here. @default every architecture's tools, the accelerator for the host's own
   */
  readonly onlyArch?: Arch;
}

/** `tnbuild doctor`: every host prerequisite, found or missing with the exact install command. */
export async function doctor(
  options: DoctorOptions,
): Promise<{ ok: boolean; text: string; checks: DoctorCheck[] }> {
  const lookup = options.lookup ?? nodeHostLookup;
  const lines: string[] = [];
  const checks: DoctorCheck[] = [];
  let ok = true;
  const report = (
    check: HostToolCheck | { name: string; found: boolean; path?: string; install: typeof XORRISO_HINTS },
  ) => {
    checks.push({
      name: check.name,
      status: check.found ? 'ok' : 'missing',
      ...(check.path && { path: check.path }),
      ...(!check.found && { install: formatInstallHints(check.install) }),
    });
    lines.push(`${check.found ? 'ok     ' : 'missing'} ${check.name}${check.path ? `  ${check.path}` : ''}`);
    if (!check.found) {
      ok = false;
      lines.push(...formatInstallHints(check.install).map((line) => `          ${line}`));
    }
  };

  // The compiled copy `npm ci` builds starts every command sooner; after an edit the sources run until a rebuild.
  const itself = RUNS_COMPILED
    ? 'compiled JavaScript (dist/)'
    : 'its TypeScript sources, compiled at every start; `npm run build` makes commands start faster';
  checks.push({ name: `tnbuild ${tnbuildVersion()}`, status: RUNS_COMPILED ? 'ok' : 'note', detail: itself });
  lines.push(`${RUNS_COMPILED ? 'ok     ' : 'note   '} tnbuild ${tnbuildVersion()}  ${itself}`);

  const seen = new Set<string>();
  const toolChecks = new Map<Arch, HostToolCheck[]>();
  for (const arch of options.onlyArch ? [options.onlyArch] : ARCHES) {
    toolChecks.set(arch, await checkHostTools(arch, lookup));
    for (const check of toolChecks.get(arch)!) {
      if (seen.has(check.name)) continue;
      seen.add(check.name);
      report(check);
    }
  }
  const xorriso = await lookup.findExecutable('xorriso');
  report({
    name: 'xorriso (clone identity seeds)',
    found: xorriso !== undefined,
    path: xorriso,
    install: XORRISO_HINTS,
  });

  for (const [label, path] of [
    ['disk space for output/', options.output],
    ['disk space for ~/.vms and ~/vms', homedir()],
  ] as const) {
    const free = await freeBytes(path);
    const enough = free === undefined || free >= MIN_FREE_BYTES;
    if (!enough) ok = false;
    const shown = free === undefined ? 'unknown' : `${(free / 2 ** 30).toFixed(1)} GiB free`;
    checks.push({ name: label, status: enough ? 'ok' : 'low', detail: shown });
    lines.push(
      `${enough ? 'ok     ' : 'low    '} ${label}  ${shown}${enough ? '' : ` (a build wants ${MIN_FREE_BYTES / 2 ** 30} GiB)`}`,
    );
  }

  const guestArch: Arch = options.onlyArch ?? (process.arch === 'arm64' ? 'aarch64' : 'x86_64');
  const qemu = toolChecks
    .get(guestArch)!
    .find((check) => check.kind === 'binary' && check.name.startsWith('qemu-system'));
  if (qemu?.found && qemu.path) {
    const firmware = toolChecks.get(guestArch)!.find((check) => check.kind === 'firmware');
    const accel = await resolveAccel({
      arch: guestArch,
      choice: 'auto',
      qemuSystem: qemu.path,
      firmware: firmware?.path ? { type: 'uefi', code: firmware.path } : { type: 'bios' },
    });
    const detail = accel.fallbackReason
      ? ` (${accel.fallbackReason}); builds run under TCG emulation, several times slower`
      : ` (proved in ${accel.probeMs} ms)`;
    checks.push({
      name: `accelerator for ${guestArch} guests`,
      status: accel.accel === 'tcg' ? 'note' : 'ok',
      detail: `${accel.accel}${detail}`,
    });
    lines.push(
      `${accel.accel === 'tcg' ? 'note   ' : 'ok     '} accelerator for ${guestArch} guests: ${accel.accel}${detail}`,
    );
  }
  if (options.checkDownloads) {
    for (const check of await checkDownloadHosts(options)) {
      checks.push(check);
      const mark = check.status === 'ok' ? 'ok     ' : check.status === 'note' ? 'note   ' : 'unreach';
      lines.push(`${mark} ${check.name}  ${check.detail ?? ''}`.trimEnd());
      if (check.status === 'unreachable') {
        ok = false;
        lines.push(
          ...(check.neededBy ?? []).map((need) => `          needed by ${need}`),
          '          builds that need it fail here: pass --mirror DIR|URL, or seed the cache with `tnbuild fetch` where it is reachable',
        );
      }
    }
  }
  // The last line says what to do about what was found, not only about missing tools.
  const blocked = checks.some((check) => check.status === 'missing' || check.status === 'low');
  lines.push(
    '',
    ok
      ? 'doctor: everything tnbuild needs is here'
      : blocked
        ? 'doctor: install what is missing above, then run `tnbuild doctor` again'
        : 'doctor: the tools are here, but some downloads will fail: see the hosts marked unreach above',
  );
  return { ok, text: lines.join('\n'), checks };
}

async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const stats = await statfs(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
