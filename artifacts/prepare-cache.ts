import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CacheLayout } from './cache-layout.ts';

/** Creates the cache folders a fetch writes to. Reading (plan, list) never creates anything. */
export async function prepareCache(layout: CacheLayout): Promise<void> {
  const folders = [
    'blobs/sha256',
    'blobs/sha512',
    'meta/sha256',
    'meta/sha512',
    'files',
    'sums',
    'tmp',
    'locks',
  ];
  await Promise.all(folders.map((folder) => mkdir(path.join(layout.root, folder), { recursive: true })));
}
