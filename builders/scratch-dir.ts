import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Firmware } from './machine-spec.ts';

/** Where a build keeps its disk, sockets and EFI variables. */
export interface ScratchDir {
  readonly dir: string;
  /** Created by the build (removed whole), or given by the caller (only our files are removed). */
  readonly created: boolean;
}

const SCRATCH_FILES = ['disk.qcow2', 'serial.sock', 'qmp.sock', 'efivars.fd'];

export async function prepareScratchDir(workDir: string | undefined): Promise<ScratchDir> {
  if (workDir !== undefined) {
    await mkdir(workDir, { recursive: true });
    return { dir: resolve(workDir), created: false };
  }
  // Under the OS temp dir: unix socket paths must stay under ~100 bytes.
  return { dir: await mkdtemp(join(tmpdir(), 'tnbuild-')), created: true };
}

export async function removeScratchDir(scratch: ScratchDir): Promise<void> {
  if (scratch.created) {
    await rm(scratch.dir, { recursive: true, force: true });
    return;
  }
  for (const name of SCRATCH_FILES) await rm(join(scratch.dir, name), { force: true });
}

/** A pflash pair gets a private copy of the VARS image: each build writes its own EFI variables. */
export async function prepareFirmware(firmware: Firmware, scratch: ScratchDir): Promise<Firmware> {
  if (firmware.type !== 'uefi' || firmware.vars === undefined) return firmware;
  const vars = join(scratch.dir, 'efivars.fd');
  await copyFile(firmware.vars, vars);
  return { ...firmware, vars };
}
