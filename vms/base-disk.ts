import { chmod, constants, copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readQcow2Header } from '../templates/qcow2-header.ts';
import type { Template } from '../templates/template-store.ts';
import { baseDiskPath } from './vm-paths.ts';

/**
 * The linked clones' backing file for a template: `<vms root>/.base/<key>-<build time>.qcow2`, a hard link to the template's
 * disk (a copy across file systems, a reflink where supported), read-only. It lives beside the clones, not in
 * output/, so cleaning output/ or rebuilding the template (a new key) never pulls a disk from under a clone.
 */
export async function ensureBaseDisk(vmsRoot: string, template: Template): Promise<string> {
  const target = baseDiskPath(vmsRoot, template);
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return target;
  await mkdir(dirname(target), { recursive: true });
  const scratch = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    try {
      await link(template.disk, scratch);
    } catch {
      await copyFile(template.disk, scratch, constants.COPYFILE_FICLONE);
    }
    await chmod(scratch, 0o400);
    await rename(scratch, target);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
  return target;
}

/** Backing files the VM disks under the root actually name (their qcow2 headers, not vm.json, are the truth). */
async function backingFilesInUse(vmsRoot: string): Promise<Set<string>> {
  const used = new Set<string>();
  for (const entry of await readdir(vmsRoot, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name === '.base') continue;
    const header = await readQcow2Header(join(vmsRoot, entry.name, 'disk.qcow2')).catch(() => undefined);
    if (header?.backingFile) used.add(header.backingFile);
  }
  return used;
}

/** Deletes base disks no clone's disk refers to any more (unfinished creates included); returns their paths. */
export async function pruneBaseDisks(vmsRoot: string): Promise<string[]> {
  const used = await backingFilesInUse(vmsRoot);
  const dir = join(vmsRoot, '.base');
  const removed: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, entry);
    if (!entry.endsWith('.qcow2') || used.has(path)) continue;
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}
