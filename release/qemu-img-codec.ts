import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import type { CommandRunner } from '../host/command-runner.ts';
import { throwIfCommandFailed } from './command-failure.ts';
import { copyHashing, hashFileWithSize } from './hashing-counter.ts';
import type { CodecOptions, ImageCodec } from './image-codec.ts';
import type { PipeResult } from './pipe-through-command.ts';

const CONVERT_ARGS = ['convert', '-p', '-c', '-O', 'qcow2', '-o', 'compression_type=zstd'];

/**
 * qcow2-internal compression: each cluster zstd-compressed by `qemu-img convert -c`. The release image is itself a
 * qcow2 QEMU can boot, so unpacking is a copy. Needs QEMU 5.1+ (zstd clusters) wherever it is used.
 */
export function createQemuImgCodec(runner: CommandRunner, binary = 'qemu-img'): ImageCodec {
  return {
    compression: 'qcow2',
    async compress(from, to, options = {}) {
      await convertWithProgress(binary, from, to, options);
      const input = await hashFileWithSize(from);
      const output = await hashFileWithSize(to);
      return {
        inputBytes: input.bytes,
        inputSha256: input.sha256,
        outputBytes: output.bytes,
        outputSha256: output.sha256,
      };
    },
    async unpack(from, to, options = {}) {
      const copied = await copyHashing(from, to, options.onInput);
      return {
        inputBytes: copied.bytes,
        inputSha256: copied.sha256,
        outputBytes: copied.bytes,
        outputSha256: copied.sha256,
      } satisfies PipeResult;
    },
    async describe() {
      const { stdout } = await runner.run(binary, ['--version']);
      const version = /version (\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0]?.trim();
      return `qemu-img ${version} convert -c -o compression_type=zstd`;
    },
  };
}

/** `qemu-img convert -p` rewrites `(12.50/100%)` on stdout; each becomes a byte count of the input. */
async function convertWithProgress(
  binary: string,
  from: string,
  to: string,
  options: CodecOptions,
): Promise<void> {
  const size = (await stat(from)).size;
  const child = execa(binary, [...CONVERT_ARGS, from, to], {
    buffer: { stdout: false, stderr: true },
    reject: false,
    ...(options.signal && { cancelSignal: options.signal }),
  });
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout ?? []) {
    for (const match of String(chunk).matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
      options.onInput?.(Math.round((Number(match[1]) / 100) * size));
    }
  }
  const result = await child;
  if (options.signal?.aborted) throw options.signal.reason;
  throwIfCommandFailed(binary, result);
}
