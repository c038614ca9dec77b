import { resolve } from 'node:path';
import { createQemuImg } from '../builders/qemu-img.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { readQcow2Header } from './qcow2-header.ts';
import type { Template } from './template-store.ts';

/**
 * The disk a child recipe's build boots: a qcow2 overlay on the parent's template (absolute backing path, the
 * template itself stays read-only), grown to `sizeBytes` when the child asks for more than the parent has. After
 * provisioning and sealing, `compactDisk` flattens it into the child's own standalone template.
 */
export async function createOverlayDisk(
  runner: CommandRunner,
  options: {
    readonly parent: Template;
    readonly path: string;
    readonly sizeBytes?: number;
    readonly qemuImg?: string;
  },
): Promise<{ readonly virtualSize: number }> {
  const parentSize = (await readQcow2Header(options.parent.disk)).virtualSize;
  const virtualSize = Math.max(parentSize, options.sizeBytes ?? 0);
  await createQemuImg(runner, options.qemuImg).create(resolve(options.path), virtualSize, {
    backingFile: resolve(options.parent.disk),
  });
  return { virtualSize };
}
