import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a mirror may hold an upstream file. */
export type MirrorLocation =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'url'; readonly url: string };

/**
 * `--mirror DIR` is looked up as `DIR/<host>/<path>` (the layout `wget -x` writes, unambiguous) and then as
 * `DIR/<file-name>` (a flat folder of downloads); `--mirror URL` as `URL/<file-name>`.
 */
export function mirrorLocations(mirror: string | undefined, url: string, fileName: string): MirrorLocation[] {
  if (!mirror) return [];
  if (/^https?:\/\//i.test(mirror))
    return [{ kind: 'url', url: `${mirror.replace(/\/+$/, '')}/${encodeURIComponent(fileName)}` }];
  const dir = path.resolve(mirror.startsWith('file:') ? fileURLToPath(mirror) : mirror);
  const upstream = new URL(url);
  const segments = upstream.pathname.split('/').filter(Boolean).map(decodeSegment);
  const mirrored = path.join(dir, upstream.host, ...segments);
  const candidates = [mirrored, path.join(dir, fileName)].filter((candidate) =>
    candidate.startsWith(dir + path.sep),
  );
  return [...new Set(candidates)].map((candidate) => ({ kind: 'dir', path: candidate }));
}

/** The first mirror-folder candidate that exists as a file. */
export async function findInMirrorDir(locations: readonly MirrorLocation[]): Promise<string | undefined> {
  for (const location of locations) {
    if (location.kind !== 'dir') continue;
    if ((await stat(location.path).catch(() => undefined))?.isFile()) return location.path;
  }
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
