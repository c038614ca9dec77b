import { rename, rm, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createQemuImg } from '../builders/qemu-img.ts';
import { isTnbuildError, TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';

export interface CompactDiskOptions {
  /** qcow2 compression (`-c`): smaller, slower to write and a little slower to read. @default false */
  readonly compress?: boolean;
  /** @default 'qemu-img' */
  readonly qemuImg?: string;
  /** The folder an out-of-space error names (the store, not its scratch folder). @default the folder of `to` */
  readonly roomIn?: string;
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
    throw await explainNoSpace(error, options.roomIn ?? dirname(to));
  }
}

/** qemu-img's ENOSPC, as the folder that filled up and what is free there now (the half-written file is gone). */
async function explainNoSpace(error: unknown, folder: string): Promise<unknown> {
  const text = isTnbuildError(error) ? [error.message, ...error.details].join('\n') : String(error);
  if (!/No space left on device/i.test(text)) return error;
  const free = await statfs(folder).then(
    (stats) => `${Math.floor((stats.bavail * stats.bsize) / 2 ** 20)} MiB`,
    () => 'unknown',
  );
  return new TnbuildError('TNB511', `${folder} ran out of space while the template's disk was written`, {
    details: [`free there now: ${free}`],
    cause: error,
  });
}
