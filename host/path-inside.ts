import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TnbuildError } from '../errors/index.ts';

/**
 * `root/segment…`, made sure to lie inside `root`: the last guard for paths built from names that came from outside
 * (a pulled release, a stored manifest). Names are validated long before; this catches any that slipped through.
 */
export function pathInside(root: string, ...segments: string[]): string {
  const base = resolve(root);
  const path = resolve(join(base, ...segments));
  const rel = relative(base, path);
  if (
    rel === '' ||
    rel === '..' ||
    rel.startsWith(`..${sep}`) ||
    isAbsolute(rel) ||
    segments.some((s) => s.includes('\0'))
  ) {
    throw new TnbuildError(
      'TNB900',
      `refusing a path outside ${base}: ${JSON.stringify(segments.join('/'))}`,
    );
  }
  return path;
}
