import { chmod, rename, rm } from 'node:fs/promises';
import type { CacheLayout } from './cache-layout.ts';
import type { Checksum } from './types.ts';

/** Deletes a partial download and what it remembered for resuming. */
export async function discardPart(layout: CacheLayout, checksum: Checksum): Promise<void> {
  const part = layout.partPath(checksum);
  await rm(part, { force: true });
  await rm(`${part}.json`, { force: true });
}

/** Moves a verified part to its blob path: the only way a blob appears, so no reader ever sees half a file. */
export async function promotePart(layout: CacheLayout, checksum: Checksum): Promise<void> {
  const part = layout.partPath(checksum);
  await chmod(part, 0o444);
  await rename(part, layout.blobPath(checksum));
  await rm(`${part}.json`, { force: true });
}
