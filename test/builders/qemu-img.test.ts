import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQemuImg } from '../../builders/qemu-img.ts';
import type { CommandRunner } from '../../host/command-runner.ts';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';

describe('qemu-img', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes argv arrays to the CommandRunner', async () => {
    const calls: string[][] = [];
    const runner: CommandRunner = {
      run: async (file, args) => {
        calls.push([file, ...args]);
        return {
          command: file,
          exitCode: 0,
          stdout: '{"format":"qcow2","virtual-size":1073741824,"actual-size":200704}',
          stderr: '',
        };
      },
    };
    const img = createQemuImg(runner);
    await img.create('/b/disk.qcow2', 1024 ** 3);
    await img.create('/b/clone.qcow2', 1024 ** 3, { backingFile: '/t/base.qcow2' });
    await img.resize('/b/disk.qcow2', 2 * 1024 ** 3);
    await img.convert('/b/disk.qcow2', '/out/final.qcow2', { compress: true });
    await expect(img.info('/b/disk.qcow2')).resolves.toEqual({
      format: 'qcow2',
      virtualSize: 1073741824,
      actualSize: 200704,
    });
    expect(calls).toEqual([
      ['qemu-img', 'create', '-q', '-f', 'qcow2', '/b/disk.qcow2', '1073741824'],
      [
        'qemu-img',
        'create',
        '-q',
        '-f',
        'qcow2',
        '-b',
        '/t/base.qcow2',
        '-F',
        'qcow2',
        '/b/clone.qcow2',
        '1073741824',
      ],
      ['qemu-img', 'resize', '-q', '-f', 'qcow2', '/b/disk.qcow2', '2147483648'],
      ['qemu-img', 'convert', '-O', 'qcow2', '-c', '/b/disk.qcow2', '/out/final.qcow2'],
      ['qemu-img', 'info', '--output=json', '-U', '/b/disk.qcow2'],
    ]);
  });

  it('creates, resizes, inspects and converts real images', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-img-'));
    const img = createQemuImg(execaCommandRunner);
    const disk = join(dir, 'disk.qcow2');
    await img.create(disk, 64 * 1024 ** 2);
    await img.resize(disk, 128 * 1024 ** 2);
    const info = await img.info(disk);
    expect(info.format).toBe('qcow2');
    expect(info.virtualSize).toBe(128 * 1024 ** 2);
    await img.convert(disk, join(dir, 'copy.qcow2'));
    expect((await img.info(join(dir, 'copy.qcow2'))).virtualSize).toBe(128 * 1024 ** 2);
  });

  it('a failure carries the command, exit code and stderr', async () => {
    const img = createQemuImg(execaCommandRunner);
    await expect(img.info('/nonexistent/disk.qcow2')).rejects.toMatchObject({
      code: 'TNB304',
      message: expect.stringMatching(/^qemu-img info .*nonexistent.*exited with 1$/),
      details: [expect.stringContaining('Could not open')],
    });
  });
});
