import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HashingCounter {
  /** A pass-through stream that hashes and counts what flows through it. */
  readonly stream: Transform;
  /** Call once, after the stream ended. */
  result(): { readonly bytes: number; readonly sha256: string };
}

/** Thrown (as a stream error) when more than `limit` bytes flow through a hashing counter. */
export class OverLimitError extends Error {
  override readonly name = 'OverLimitError';
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
  }
}

export function createHashingCounter(
  onBytes?: (bytes: number) => void,
  limit = Number.POSITIVE_INFINITY,
): HashingCounter {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (bytes + chunk.length > limit) {
        callback(new OverLimitError(limit));
        return;
      }
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

/** sha256 and size of a file, streamed. */
export async function hashFileWithSize(path: string, onBytes?: (bytes: number) => void) {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Copies `from` to `to` (which must not exist), hashing on the way. */
export async function copyHashing(from: string, to: string, onBytes?: (bytes: number) => void) {
  const counter = createHashingCounter(onBytes);
  await pipeline(createReadStream(from), counter.stream, createWriteStream(to, { flags: 'wx' }));
  return counter.result();
}

export function sha256Of(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
