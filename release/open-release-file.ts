import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';

/** The most any small release file (SHA256SUMS, its signature) may hold. */
export const SMALL_FILE_MAX_BYTES = 1024 * 1024;

export interface OpenFileOptions {
  /** Follow a symlink (a dotfile such as ~/.docker/config.json may be one). @default false: refused */
  readonly followSymlinks?: boolean;
  /** The error for a refused file, from why (`is not a regular file`). @default TNB606, a release folder's */
  readonly refuse?: (why: string) => Error;
}

/**
 * Opens a file of a release folder (or any small file from outside tnbuild) for reading only if it is a regular file
 * no larger than `maxBytes`: not a symlink (which could point anywhere), not a FIFO or device (which could block or
 * never end). The checks are made on the open descriptor, so the file cannot be swapped between the check and the
 * read. Undefined when it does not exist.
 */
export async function openReleaseFile(
  path: string,
  maxBytes: number,
  options: OpenFileOptions = {},
): Promise<{ handle: FileHandle; size: number } | undefined> {
  const refuse = options.refuse ?? ((why: string) => refused(path, why));
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    const follow = options.followSymlinks ? 0 : constants.O_NOFOLLOW;
    handle = await open(path, constants.O_RDONLY | follow | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw refuse('is a symbolic link');
    if (options.refuse) throw refuse(`cannot be read (${code ?? (error as Error).message})`);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refuse('is not a regular file');
    if (info.size > maxBytes) throw refuse(`is ${info.size} bytes, more than the ${maxBytes} it may have`);
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A small release file's bytes, read through openReleaseFile's checks. */
export async function readReleaseFile(
  path: string,
  maxBytes: number,
  options: OpenFileOptions = {},
): Promise<Buffer | undefined> {
  const opened = await openReleaseFile(path, maxBytes, options);
  if (!opened) return undefined;
  try {
    const bytes = await opened.handle.readFile();
    if (bytes.length > maxBytes)
      throw (options.refuse ?? ((why: string) => refused(path, why)))(
        `grew past the ${maxBytes} bytes it may have`,
      );
    return bytes;
  } finally {
    await opened.handle.close();
  }
}

function refused(path: string, why: string): TnbuildError {
  return new TnbuildError('TNB606', `${path} ${why}; a release folder holds only regular files`);
}
