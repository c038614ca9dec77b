import type { CommandRunner } from '../host/command-runner.ts';
import type { ImageCodec } from './image-codec.ts';
import { pipeThroughCommand } from './pipe-through-command.ts';

const LEVEL = '-9';

export function createXzCodec(runner: CommandRunner, binary = 'xz'): ImageCodec {
  return {
    compression: 'xz',
    // -T0 writes independent blocks, so unpacking with -T0 is parallel too (xz 5.4+).
    compress: (from, to, options = {}) =>
      pipeThroughCommand(binary, [LEVEL, '-T0', '-q', '-c'], from, to, options),
    unpack: (from, to, options = {}) =>
      pipeThroughCommand(binary, ['-d', '-T0', '-q', '-c'], from, to, options),
    async describe() {
      const { stdout } = await runner.run(binary, ['--version']);
      const version = /xz \(XZ Utils\) (\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0]?.trim();
      return `xz ${version} ${LEVEL}`;
    },
  };
}
