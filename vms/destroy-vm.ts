import { rm } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import { pruneBaseDisks } from './base-disk.ts';
import { stopVm } from './stop-vm.ts';
import { readRunningPid } from './vm-process.ts';
import { loadVm } from './vm-status.ts';
import { resolveVmsRoot } from './vms-root.ts';

/**
 * Deletes the VM's directory (disk, seed, keys, scripts) and any base disk no other clone uses. A running VM is
 * refused (TNB504) unless `force`, which makes QEMU quit at once (the disk is about to go, so the guest gets no
 * grace period). The template is never touched.
 */
export async function destroyVm(
  name: string,
  options: { readonly vmsRoot?: string; readonly force?: boolean } = {},
): Promise<{ readonly removedBases: readonly string[] }> {
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const { paths } = await loadVm(name, vmsRoot);
  if ((await readRunningPid(paths)) !== undefined) {
    if (!options.force) {
      throw new TnbuildError('TNB504', `${name} is running`, {
        hint: `Stop it first with \`tnbuild vm stop ${name}\`, or pass --force to stop and destroy it.`,
      });
    }
    await stopVm(name, { vmsRoot, deadlineMs: 0 });
  }
  await rm(paths.dir, { recursive: true, force: true });
  return { removedBases: await pruneBaseDisks(vmsRoot) };
}
