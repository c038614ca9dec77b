import type { ReleaseProgressListener } from './release-progress.ts';
import type { SumsEntry } from './sha256-sums.ts';

/** Where a release is pulled from: a folder, or a URL whose files go through the download cache. */
export interface ReleaseSource {
  /** The folder or URL, for messages. */
  readonly label: string;
  /** A small file's bytes (SHA256SUMS, its signature; at most 1 MiB), or undefined when the source has no such file. */
  readSmall(file: string): Promise<Buffer | undefined>;
  /**
   * A local path whose content has the sha256 SHA256SUMS gives; TNB600 when the file is missing or differs.
   * Downloads go through the artifact cache (resumable, and a bad copy is deleted, never cached). A file larger than
   * `maxBytes` is refused (TNB606, or TNB206 for a download) without being read or kept past that size.
   */
  fetchVerified(entry: SumsEntry, maxBytes: number, onProgress?: ReleaseProgressListener): Promise<string>;
}
