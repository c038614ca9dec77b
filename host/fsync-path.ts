import { open } from 'node:fs/promises';

/** Flushes a file (or a directory entry list) to disk before it is renamed into place. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
