import { rename, rm } from 'node:fs/promises';
import { createQemuImg } from '../builders/qemu-img.ts';
import type { CommandRunner } from '../host/command-runner.ts';

export interface CompactDiskOptions {
  /** qcow2 compression (`-c`): smaller, slower to write and a little slower to read. @default false */
  readonly compress?: boolean;
  /** @default 'qemu-img' */
  readonly qemuImg?: string;
}

function scratchPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * `qemu-img convert -O qcow2 [-c] from to`: drops unallocated and zeroed (trimmed) clusters and, for an overlay,
 * reads through its backing chain, so the result is always one standalone image. Written to a scratch file next to
 * `to` and renamed, so `to` is either absent or complete.
 */
export async function compactDisk(
  runner: CommandRunner,
  from: string,
  to: string,
  options: CompactDiskOptions = {},
): Promise<void> {
  const scratch = scratchPathFor(to);
  try {
    await createQemuImg(runner, options.qemuImg).convert(from, scratch, {
      compress: options.compress ?? false,
    });
    await rename(scratch, to);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}
