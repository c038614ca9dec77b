/** The last segment of a URL's path, decoded: what the file is called in the cache, a mirror and a sums file. */
export function fileNameFromUrl(url: string): string {
  const last = new URL(url).pathname.split('/').at(-1) ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** A name that is safe as one path segment under `files/`. */
export function isSafeFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}
