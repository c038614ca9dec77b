import { createAlpineFamily } from './alpine.ts';
import { createDebianFamily } from './debian.ts';
import type { OsFamily } from './os-family.ts';

export function resolveFamily(family: 'alpine' | 'debian' | OsFamily): OsFamily {
  if (typeof family !== 'string') return family;
  return family === 'alpine' ? createAlpineFamily() : createDebianFamily();
}
