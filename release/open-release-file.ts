import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';

/** The most any small release file (SHA256SUMS, its signature) may hold. */
export const SMALL_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Opens a file of a release folder for reading only if it is a regular file no larger than `maxBytes`: not a symlink
 * (which could point anywhere), not a FIFO or device (which could block or never end). The checks are made on the
 * open descriptor, so the file cannot be swapped between the check and the read. Undefined when it does not exist.
 */
export async function openReleaseFile(
  path: string,
  maxBytes: number,
): Promise<{ handle: FileHandle; size: number } | undefined> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw refused(path, 'is a symbolic link');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refused(path, 'is not a regular file');
    if (info.size > maxBytes)
      throw refused(path, `is ${info.size} bytes, more than the ${maxBytes} it may have`);
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A small release file's bytes, read through openReleaseFile's checks. */
export async function readReleaseFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const opened = await openReleaseFile(path, maxBytes);
  if (!opened) return undefined;
  try {
    const bytes = await opened.handle.readFile();
    if (bytes.length > maxBytes) throw refused(path, `grew past the ${maxBytes} bytes it may have`);
    return bytes;
  } finally {
    await opened.handle.close();
  }
}

function refused(path: string, why: string): TnbuildError {
  return new TnbuildError('TNB606', `${path} ${why}; a release folder holds only regular files`);
}
