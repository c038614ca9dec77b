import type { CommandRunner } from '../host/command-runner.ts';
import type { Compression } from './compression.ts';
import type { ImageCodec } from './image-codec.ts';
import { createQemuImgCodec } from './qemu-img-codec.ts';
import { createXzCodec } from './xz-codec.ts';
import { createZstdCodec } from './zstd-codec.ts';

export function codecFor(compression: Compression, runner: CommandRunner): ImageCodec {
  switch (compression) {
    case 'zstd':
      return createZstdCodec(runner);
    case 'xz':
      return createXzCodec(runner);
    case 'qcow2':
      return createQemuImgCodec(runner);
  }
}
