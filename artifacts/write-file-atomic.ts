import { rename, rm, writeFile } from 'node:fs/promises';
import type { CacheLayout } from './cache-layout.ts';

/** Writes through tmp/ and renames, so a reader sees the old file or the whole new one. */
export async function writeFileAtomic(layout: CacheLayout, target: string, data: string): Promise<void> {
  const scratch = layout.scratchPath('write');
  try {
    await writeFile(scratch, data);
    await rename(scratch, target);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}
