import type { Compression } from './compression.ts';
import type { PipeResult } from './pipe-through-command.ts';

export interface CodecOptions {
  /** Told the bytes of `from` processed so far. */
  readonly onInput?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  /** Stop, and fail with OverLimitError, as soon as the output passes this many bytes (a declared size). */
  readonly maxOutputBytes?: number;
}

/** Turns a standalone qcow2 into a release image and back. Implementations are named for their tool. */
export interface ImageCodec {
  readonly compression: Compression;
  /** Writes `to` (which must not exist) from the qcow2 `from`; hashes both ends on the way. */
  compress(from: string, to: string, options?: CodecOptions): Promise<PipeResult>;
  /** Writes the qcow2 the template store gets (`to`, must not exist) from a release image; hashes both ends. */
  unpack(from: string, to: string, options?: CodecOptions): Promise<PipeResult>;
  /** The tool and its version (`zstd 1.5.4 -19 --long=27`), for the reproducibility statement. */
  describe(): Promise<string>;
}
