import { randomBytes } from 'node:crypto';
import { chmod, constants, copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { qemuBinaryFor } from '../builders/build-qemu-args.ts';
import type { Accel, Firmware, PortForward } from '../builders/machine-spec.ts';
import { createQemuImg } from '../builders/qemu-img.ts';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import type { Template } from '../templates/template-store.ts';
import { ensureBaseDisk } from './base-disk.ts';
import { generateHostKey } from './host-key.ts';
import { listVmRecords } from './list-vm-records.ts';
import { macForVm } from './mac.ts';
import { renderSeedFiles, writeSeedIso } from './seed.ts';
import { type VmPaths, vmPaths } from './vm-paths.ts';
import { readRunningPid } from './vm-process.ts';
import { buildVmQemuArgs } from './vm-qemu-args.ts';
import { VM_FILE, type VmRecord, writeVmRecord } from './vm-record.ts';
import { renderStartScript, renderStopScript } from './vm-scripts.ts';
import { resolveVmsRoot } from './vms-root.ts';

/** The shared L2 segment every clone's second NIC joins (see ../shared/reference/machine.md). */
export const DEFAULT_MCAST = '230.0.0.1:1234';

export interface CreateVmOptions {
  readonly template: Template;
  readonly name: string;
  /** An independent copy of the template instead of a linked clone. @default false */
  readonly full?: boolean;
  /** Replace an existing (stopped) VM of this name, disk included. @default false */
  readonly force?: boolean;
  /** Public key line(s) authorized for the login user. */
  readonly sshPublicKey: string;
  /** @default name */
  readonly hostname?: string;
  /** @default the template's ssh user (`vm.user`) */
  readonly user?: string;
  /** The clone's address on the VM-to-VM segment; `null` for none. @default the recipe's `network` */
  readonly ula?: { readonly address: string; readonly prefix?: number; readonly interface?: string } | null;
  /** Host side bound to 127.0.0.1. @default the recipe's ports */
  readonly ports?: readonly PortForward[];
  readonly machine: {
    /** Decided once by the caller (resolveAccel probes KVM by booting firmware: too slow to repeat per clone). */
    readonly accel: Accel;
    /** @default the recipe's */
    readonly cpus?: number;
    /** @default the recipe's */
    readonly memoryMiB?: number;
    /** @default BIOS; aarch64 needs the UEFI firmware requireHostTools found */
    readonly firmware?: Firmware;
    /** @default qemu-system-<arch> */
    readonly qemuSystem?: string;
  };
  /** @default the recipe's `vm.firstBoot` */
  readonly firstBoot?: readonly string[];
  /** @default $TNBUILD_VMS_DIR or ~/vms */
  readonly vmsRoot?: string;
  /** @default 230.0.0.1:1234 */
  readonly mcast?: string;
  readonly runner?: CommandRunner;
  readonly qemuImg?: string;
}

export interface CreatedVm {
  readonly record: VmRecord;
  readonly paths: VmPaths;
  readonly elapsedMs: number;
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function checkReplaceable(paths: VmPaths, options: CreateVmOptions): Promise<boolean> {
  const present = (await exists(join(paths.dir, VM_FILE))) || (await exists(paths.disk));
  if (!present) return false;
  if (!options.force) {
    throw new TnbuildError(
      'TNB502',
      `a VM named ${options.name} already exists in ${paths.dir}; its disk was left untouched`,
    );
  }
  if ((await readRunningPid(paths)) !== undefined) {
    throw new TnbuildError('TNB504', `${options.name} is running; --force replaces only a stopped VM`, {
      hint: `Stop it first with \`tnbuild vm stop ${options.name}\`.`,
    });
  }
  return true;
}

async function firmwareFor(firmware: Firmware, paths: VmPaths, stageDir: string): Promise<Firmware> {
  if (firmware.type !== 'uefi' || firmware.vars === undefined) return firmware;
  // Each VM keeps its own EFI variables.
  await copyFile(firmware.vars, join(stageDir, 'efi-vars.fd'));
  return { ...firmware, vars: paths.efiVars };
}

/**
 * Makes `<vms root>/<name>/` from a template: a linked clone (qcow2 overlay on a stable per-user copy of the
 * template, absolute backing path) or a full copy, a fresh host key, the `cidata` seed with this clone's identity,
 * vm.json, known_hosts pinning the host key, and start/stop scripts. Built in a temporary directory and renamed into
 * place, so a failure leaves the previous VM (or nothing) behind. Does not start the VM.
 */
export async function createVm(options: CreateVmOptions): Promise<CreatedVm> {
  const started = performance.now();
  const runner = options.runner ?? execaCommandRunner;
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const paths = vmPaths(vmsRoot, options.name);
  const { template } = options;
  const manifest = template.manifest;
  const hostname = options.hostname ?? options.name;
  if (!HOSTNAME.test(hostname)) throw new TnbuildError('TNB110', `"${hostname}" is not a valid hostname`);
  const user = options.user ?? manifest.sshUser;
  const replacing = await checkReplaceable(paths, options);

  const ula =
    options.ula === null
      ? undefined
      : options.ula === undefined
        ? manifest.network
        : {
            address: options.ula.address,
            prefix: options.ula.prefix ?? 64,
            interface: options.ula.interface ?? manifest.network?.interface ?? 'eth1',
          };
  const others = (await listVmRecords(vmsRoot)).filter((record) => record.name !== options.name);
  const clash = ula && others.find((record) => record.network.address === ula.address);
  if (ula && clash) {
    throw new TnbuildError('TNB508', `${ula.address} is already the address of VM ${clash.name}`);
  }
  const mac = macForVm(options.name, new Set(others.map((record) => record.network.mac)));

  await mkdir(vmsRoot, { recursive: true });
  const stageDir = join(vmsRoot, `.tmp-${options.name}-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(stageDir, { mode: 0o700 });
  try {
    const stageDisk = join(stageDir, 'disk.qcow2');
    let backingFile: string | null = null;
    if (options.full) {
      await copyFile(template.disk, stageDisk, constants.COPYFILE_FICLONE);
      await chmod(stageDisk, 0o644);
    } else {
      backingFile = await ensureBaseDisk(vmsRoot, template);
      await createQemuImg(runner, options.qemuImg).create(stageDisk, manifest.disk.virtualSize, {
        backingFile,
      });
    }

    await mkdir(join(stageDir, 'host-keys'), { mode: 0o700 });
    const hostKey = await generateHostKey(runner, join(stageDir, 'host-keys'), `root@${hostname}`);
    const instanceId = `${options.name}-${randomBytes(6).toString('hex')}`;
    const seedFiles = renderSeedFiles({
      instanceId,
      hostname,
      family: manifest.os.family,
      user,
      authorizedKeys: options.sshPublicKey.split('\n').filter((line) => line.trim()),
      hostKeys: [hostKey],
      ...(ula && { network: ula }),
      firstBoot: options.firstBoot ?? manifest.vm.firstBoot,
      recipe: manifest.recipe,
    });
    await writeSeedIso(runner, seedFiles, join(stageDir, 'seed.iso'));

    const record: VmRecord = {
      format: 1,
      name: options.name,
      hostname,
      createdAt: new Date().toISOString(),
      template: {
        key: template.key,
        name: template.name,
        recipe: manifest.recipe,
        family: manifest.os.family,
      },
      disk: { mode: options.full ? 'full' : 'linked', backingFile },
      arch: manifest.arch,
      machine: {
        cpus: options.machine.cpus ?? manifest.machine.cpus,
        memoryMiB: options.machine.memoryMiB ?? Math.round(manifest.machine.memoryBytes / 1024 ** 2),
        accel: options.machine.accel,
      },
      ports: [...(options.ports ?? manifest.ports)],
      network: {
        mcast: options.mcast ?? DEFAULT_MCAST,
        mac,
        interface: ula?.interface ?? manifest.network?.interface ?? 'eth1',
        address: ula?.address ?? null,
        prefix: ula?.prefix ?? null,
      },
      user,
      hostKey: {
        type: hostKey.type,
        publicKey: `${hostKey.type} ${hostKey.blob}`,
        fingerprint: hostKey.fingerprint,
      },
      instanceId,
    };
    const firmware = await firmwareFor(options.machine.firmware ?? { type: 'bios' }, paths, stageDir);
    const args = buildVmQemuArgs(record, paths, firmware);
    const binary = options.machine.qemuSystem ?? qemuBinaryFor(record.arch);
    await writeVmRecord(stageDir, record);
    // HostKeyAlias=<name> makes ssh look the key up under the VM's name, whatever port it is forwarded to.
    await writeFile(join(stageDir, 'known_hosts'), `${options.name} ${hostKey.type} ${hostKey.blob}\n`);
    await writeFile(
      join(stageDir, `start-${options.name}.sh`),
      renderStartScript(record, paths, binary, args),
      { mode: 0o755 },
    );
    await writeFile(join(stageDir, `stop-${options.name}.sh`), renderStopScript(record, paths), {
      mode: 0o755,
    });

    if (replacing) {
      const aside = join(
        vmsRoot,
        `.tmp-${options.name}-old-${process.pid}-${randomBytes(3).toString('hex')}`,
      );
      await rename(paths.dir, aside);
      await rename(stageDir, paths.dir);
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(stageDir, paths.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') {
          throw new TnbuildError(
            'TNB502',
            `a VM named ${options.name} appeared in ${paths.dir} while this one was made`,
          );
        }
        throw error;
      });
    }
    return { record, paths, elapsedMs: performance.now() - started };
  } catch (error) {
    await rm(stageDir, { recursive: true, force: true });
    throw error;
  }
}
