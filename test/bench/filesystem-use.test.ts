import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { filesystemUse } from '../../bench/filesystem-use.ts';

/** A qcow2 whose first partition (at 1 MiB) is ext4 holding `bytes` of random data. */
async function imageHolding(dir: string, bytes: number): Promise<string> {
  const raw = join(dir, `fs-${bytes}.raw`);
  await execa('truncate', ['-s', '64M', raw]);
  await execa('mke2fs', ['-q', '-t', 'ext4', '-E', 'offset=1048576', raw, '60M']);
  if (bytes > 0) {
    const blob = join(dir, 'blob');
    writeFileSync(
      blob,
      Buffer.alloc(bytes, 7).map((_, index) => (index * 2654435761) >>> 24),
    );
    await execa('debugfs', ['-w', '-R', `write ${blob} blob`, `${raw}?offset=1048576`]);
  }
  const qcow2 = join(dir, `fs-${bytes}.qcow2`);
  await execa('qemu-img', ['convert', '-O', 'qcow2', raw, qcow2]);
  return qcow2;
}

describe('filesystemUse (the P7 figure in npm run bench -- packer)', () => {
  it('reads the blocks an ext4 inside a qcow2 uses: 5 MB more data, about 5 MB more used, and the image grows with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tnbuild-fs-use-test-'));
    const empty = await filesystemUse(await imageHolding(dir, 0));
    const full = await filesystemUse(await imageHolding(dir, 5_000_000));
    expect(empty.usedBytes).toBeGreaterThan(0);
    expect(full.usedBytes - empty.usedBytes).toBeGreaterThanOrEqual(5_000_000);
    expect(full.usedBytes - empty.usedBytes).toBeLessThan(5_300_000);
    expect(full.imageBytes - empty.imageBytes).toBeGreaterThan(4_800_000);
  });

  it('says what it could not read instead of a number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tnbuild-fs-use-test-'));
    const qcow2 = join(dir, 'blank.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '16M']);
    await expect(filesystemUse(qcow2)).rejects.toThrow(/debugfs printed no "Block count"/);
  });
});
