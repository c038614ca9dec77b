import path from 'node:path';

/** Throws unless `value` is an absolute guest path without line breaks or NUL; returns it normalised. */
export function assertGuestPath(value: string, what = 'path'): string {
  if (!value.startsWith('/'))
    throw new Error(`${what} must be absolute in the guest, got ${JSON.stringify(value)}`);
  if (/[\n\r\0]/.test(value))
    throw new Error(`${what} cannot contain a line break or NUL: ${JSON.stringify(value)}`);
  return path.posix.normalize(value);
}

export function parentOf(guestPath: string): string {
  return path.posix.dirname(guestPath);
}

export function baseOf(guestPath: string): string {
  return path.posix.basename(guestPath);
}
