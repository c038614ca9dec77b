import type { CommandRunner } from '../host/command-runner.ts';

/** What `qemu-img info` says about an image. */
export interface DiskInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly actualSize: number;
  readonly backingFile?: string;
}

/** qemu-img through a CommandRunner (so failures carry the command, exit code and stderr tail). */
export interface QemuImg {
  create(path: string, sizeBytes: number, options?: { backingFile?: string }): Promise<void>;
  resize(path: string, sizeBytes: number): Promise<void>;
  info(path: string): Promise<DiskInfo>;
  convert(from: string, to: string, options?: { compress?: boolean }): Promise<void>;
}

export function createQemuImg(runner: CommandRunner, binary = 'qemu-img'): QemuImg {
  return {
    async create(path, sizeBytes, options = {}) {
      const backing = options.backingFile === undefined ? [] : ['-b', options.backingFile, '-F', 'qcow2'];
      await runner.run(binary, ['create', '-q', '-f', 'qcow2', ...backing, path, String(sizeBytes)]);
    },
    async resize(path, sizeBytes) {
      await runner.run(binary, ['resize', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
    },
    async info(path) {
      const result = await runner.run(binary, ['info', '--output=json', '-U', path]);
      const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
      return {
        format: String(parsed.format),
        virtualSize: Number(parsed['virtual-size']),
        actualSize: Number(parsed['actual-size']),
        ...(typeof parsed['backing-filename'] === 'string'
          ? { backingFile: parsed['backing-filename'] }
          : {}),
      };
    },
    async convert(from, to, options = {}) {
      await runner.run(binary, ['convert', '-O', 'qcow2', ...(options.compress ? ['-c'] : []), from, to]);
    },
  };
}
