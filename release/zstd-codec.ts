import type { CommandRunner } from '../host/command-runner.ts';
import type { ImageCodec } from './image-codec.ts';
import { pipeThroughCommand } from './pipe-through-command.ts';

// A 128 MiB window (--long=27) finds the repeats a disk image has far apart, and is the most a stock `zstd -d`
// accepts without --long or --memory, so downstream users unpack with the plain command.
const COMPRESS_ARGS = ['-19', '--long=27', '-T0', '-q', '-c'];

export function createZstdCodec(runner: CommandRunner, binary = 'zstd'): ImageCodec {
  return {
    compression: 'zstd',
    compress: (from, to, options = {}) => pipeThroughCommand(binary, COMPRESS_ARGS, from, to, options),
    unpack: (from, to, options = {}) =>
      pipeThroughCommand(binary, ['-d', '--long=27', '-q', '-c'], from, to, options),
    async describe() {
      const { stdout } = await runner.run(binary, ['--version']);
      const version = /v(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? stdout.trim();
      return `zstd ${version} ${COMPRESS_ARGS.slice(0, 2).join(' ')}`;
    },
  };
}
