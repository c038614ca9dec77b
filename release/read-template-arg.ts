import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import type { Template } from '../templates/index.ts';
import { readTemplateDir } from '../templates/template-store.ts';

/** A template given as the store's `Template`, its directory, or the path of its manifest.json. */
export async function readTemplateArg(template: Template | string): Promise<Template> {
  if (typeof template !== 'string') return template;
  const path = resolve(template);
  const found = await stat(path).catch(() => undefined);
  if (!found) {
    throw new TnbuildError('TNB500', `no template at ${path}`, {
      hint: 'Give a template directory (output/templates/<recipe>-<arch>-<key12>) or its manifest.json.',
    });
  }
  const dir = found.isDirectory() ? path : dirname(path);
  return readTemplateDir(dir, basename(dir));
}
