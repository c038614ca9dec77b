import type { Logger } from '../host/command-runner.ts';
import type { HttpTransport } from './http-transport.ts';

export type ChecksumAlgorithm = 'sha256' | 'sha512';

/** A hash pinned by a recipe: lower-case hex. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: string;
}

/** One input to fetch. The checksum is pinned, or read from a published sums file. */
export type ArtifactRequest = PinnedArtifactRequest | PublishedChecksumRequest;

interface ArtifactRequestBase {
  /** Upstream http(s) URL; redirects are followed. */
  readonly url: string;
  /**
   * Name shown in the cache (`files/<fileName>`) and looked up in a sums file and a mirror.
   * @default the last segment of the URL's path
   */
  readonly fileName?: string;
  /** Stop (and delete the part) as soon as the file passes this many bytes. @default no limit */
  readonly maxBytes?: number;
}

export interface PinnedArtifactRequest extends ArtifactRequestBase {
  readonly checksum: Checksum;
}

export interface PublishedChecksumRequest extends ArtifactRequestBase {
  /** A sums file: Alpine's `<iso>.sha256` (one line) or CometBFT's `SHA256SUMS-<ver>.txt` (a line per file). */
  readonly checksumUrl: string;
  readonly algorithm: ChecksumAlgorithm;
}

export interface ProgressEvent {
  readonly url: string;
  readonly fileName: string;
  /** Bytes of the file on disk so far, including a resumed part. */
  readonly received: number;
  readonly total?: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
  readonly done: boolean;
}

export interface FetchOptions {
  /** @default $TNBUILD_CACHE, else ~/.vms/cache */
  readonly cacheDir?: string;
  /** A folder or an http(s) URL tried before upstream. @default $TNBUILD_MIRROR */
  readonly mirror?: string;
  /** Never contact upstream; the cache and the mirror only. @default false */
  readonly offline?: boolean;
  readonly logger?: Logger;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Milliseconds without a byte (or headers) before an attempt is abandoned. @default 30000 */
  readonly timeoutMs?: number;
  /** Extra attempts after a 5xx, a dropped connection or a stall; never after a 404. @default 3 */
  readonly retries?: number;
  /** First backoff delay in milliseconds, doubled per attempt (with jitter, capped at 30 s). @default 1000 */
  readonly retryDelayMs?: number;
  /** @default the node:http(s) transport */
  readonly transport?: HttpTransport;
}

export interface ResolvedFetchOptions {
  readonly cacheDir: string;
  readonly mirror: string | undefined;
  readonly offline: boolean;
  readonly logger: Logger;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly transport: HttpTransport;
}

export interface FetchResult {
  /** The content-addressed blob: immutable, safe to hand to QEMU or tar. */
  readonly path: string;
  /** `files/<fileName>` in the cache: a readable name, re-pointed if another file with that name is fetched later. */
  readonly namedPath: string;
  readonly fileName: string;
  readonly size: number;
  readonly checksum: Checksum;
  readonly fromCache: boolean;
  /** Bytes transferred over the network (or copied from a mirror folder) by this call. */
  readonly downloadedBytes: number;
}
