import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface FilesystemUse {
  /** What the qcow2 takes on the host's disk (allocated blocks, not its apparent length). */
  readonly imageBytes: number;
  /** Blocks the ext filesystem in it counts as used (data, metadata, journal), times its block size. */
  readonly usedBytes: number;
}

/**
 * A qcow2's size against what its ext2/3/4 filesystem uses (issue P7: ≤ 1.1×), read without booting it: a raw copy
 * in the temp folder, then debugfs's superblock figures for the filesystem at `offset` bytes (1 MiB: the first
 * partition of the test guest's disk).
 */
export async function filesystemUse(qcow2: string, offset = 2 ** 20): Promise<FilesystemUse> {
  const dir = await mkdtemp(join(tmpdir(), 'tnbuild-fs-use-'));
  const raw = join(dir, 'disk.raw');
  try {
    await execa('qemu-img', ['convert', '-O', 'raw', qcow2, raw]);
    // No filesystem there: debugfs exits 1 and prints no figures, said below.
    const { stdout } = await execa('debugfs', ['-R', 'stats', `${raw}?offset=${offset}`], {
      stderr: 'ignore',
      reject: false,
    });
    const field = (name: string) => {
      const value = new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(stdout)?.[1];
      if (value === undefined)
        throw new Error(`debugfs printed no "${name}" for ${qcow2} at offset ${offset}`);
      return Number(value);
    };
    const usedBytes = (field('Block count') - field('Free blocks')) * field('Block size');
    return { imageBytes: (await stat(qcow2)).blocks * 512, usedBytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
