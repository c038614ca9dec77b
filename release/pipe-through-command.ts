import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { throwIfCommandFailed } from './command-failure.ts';
import { createHashingCounter, OverLimitError } from './hashing-counter.ts';

/** What went through: sizes and sha256 of both ends, hashed on the way so a multi-GiB image is read once. */
export interface PipeResult {
  readonly inputBytes: number;
  readonly inputSha256: string;
  readonly outputBytes: number;
  readonly outputSha256: string;
}

export interface PipeOptions {
  /** Told the input bytes read so far, for every chunk. */
  readonly onInput?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  /** The program is stopped, and OverLimitError thrown, as soon as its output passes this many bytes. */
  readonly maxOutputBytes?: number;
}

/**
 * Streams `from` through a filter program (`zstd -c`, `xz -dc`) into `to` (created; must not exist). A failure of
 * the program names the whole command, its exit code and the tail of its stderr, like the CommandRunner does.
 */
export async function pipeThroughCommand(
  file: string,
  args: readonly string[],
  from: string,
  to: string,
  options: PipeOptions = {},
): Promise<PipeResult> {
  const input = createHashingCounter(options.onInput);
  const output = createHashingCounter(undefined, options.maxOutputBytes);
  const child = execa(file, args, {
    stdin: 'pipe',
    stdout: 'pipe',
    buffer: { stdout: false, stderr: true },
    reject: false,
    ...(options.signal && { cancelSignal: options.signal }),
  });
  const [feed, drain, ran] = await Promise.allSettled([
    pipeline(createReadStream(from), input.stream, child.stdin),
    pipeline(child.stdout, output.stream, createWriteStream(to, { flags: 'wx' })).catch((error) => {
      // Past the limit: stop the program at once instead of letting it fill the disk into a closed pipe.
      if (error instanceof OverLimitError) child.kill('SIGKILL');
      throw error;
    }),
    child,
  ]);
  if (options.signal?.aborted) throw options.signal.reason;
  if (drain.status === 'rejected' && drain.reason instanceof OverLimitError) throw drain.reason;
  if (ran.status === 'rejected') throw ran.reason;
  const result = ran.value;
  throwIfCommandFailed(file, result);
  // The program succeeded, so a stream error is ours (a read or write error on disk): report it as it is.
  if (feed.status === 'rejected') throw feed.reason;
  if (drain.status === 'rejected') throw drain.reason;
  const read = input.result();
  const written = output.result();
  return {
    inputBytes: read.bytes,
    inputSha256: read.sha256,
    outputBytes: written.bytes,
    outputSha256: written.sha256,
  };
}
