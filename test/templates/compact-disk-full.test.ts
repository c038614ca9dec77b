import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TnbuildError } from '../../errors/index.ts';
import type { CommandRunner } from '../../host/command-runner.ts';
import { compactDisk } from '../../templates/compact-disk.ts';

// qemu-img's own words when the output's filesystem fills (the real case is in the e2e suite, on a small tmpfs).
const ENOSPC = 'qemu-img: error while writing at byte 2147418112: No space left on device';

/** A qemu-img that writes half of its output, then fails as `failure` says. */
function failingQemuImg(failure: string): CommandRunner {
  return {
    async run(_file, args) {
      writeFileSync(args.at(-1)!, 'half a disk');
      throw new TnbuildError('TNB304', `qemu-img ${args.join(' ')} exited with 1`, { details: [failure] });
    },
  };
}

describe('compactDisk when the output folder fills up', () => {
  it('is TNB511 naming the folder and what is free there, with the half-written file gone', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tnbuild-compact-'));
    const to = join(store, 'disk.qcow2');
    const error = await compactDisk(failingQemuImg(ENOSPC), join(store, 'in.qcow2'), to).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'TNB511',
      message: `${store} ran out of space while the template's disk was written`,
      hint: expect.stringContaining('--output'),
      details: [expect.stringMatching(/^free there now: \d+ MiB$/)],
    });
    expect(readdirSync(store)).toEqual([]);
    expect(existsSync(to)).toBe(false);
  });

  it('names the folder it is told to (the store, not its scratch folder)', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tnbuild-compact-'));
    const scratch = join(store, '.tmp-compact-x');
    mkdirSync(scratch);
    const error = await compactDisk(
      failingQemuImg(ENOSPC),
      join(store, 'in.qcow2'),
      join(scratch, 'disk.qcow2'),
      {
        roomIn: store,
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TNB511',
      message: `${store} ran out of space while the template's disk was written`,
    });
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('leaves any other failure as it was', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tnbuild-compact-'));
    const error = await compactDisk(
      failingQemuImg('qemu-img: Could not open in.qcow2: No such file'),
      join(store, 'in.qcow2'),
      join(store, 'disk.qcow2'),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TNB304' });
    expect(readdirSync(store)).toEqual([]);
  });
});
