import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import {
  assertKey,
  listTemplateDirNames,
  readTemplateDir,
  type Template,
  type TemplateStore,
} from './template-store.ts';

/** The template built for `key` (the full cache key), or undefined. TNB510 if its directory is damaged. */
export async function findTemplate(store: TemplateStore, key: string): Promise<Template | undefined> {
  assertKey(key);
  const suffix = `-${key.slice(0, 12)}`;
  for (const name of await listTemplateDirNames(store)) {
    if (!name.endsWith(suffix)) continue;
    const template = await readTemplateDir(join(store.root, name), name);
    if (template.key === key) return template;
  }
  return undefined;
}

/** Every readable template, by recipe then newest first; damaged directories are left to `gcTemplates`. */
export async function listTemplates(store: TemplateStore): Promise<Template[]> {
  const templates: Template[] = [];
  for (const name of await listTemplateDirNames(store)) {
    try {
      templates.push(await readTemplateDir(join(store.root, name), name));
    } catch (error) {
      if (!(error instanceof TnbuildError && error.code === 'TNB510')) throw error;
    }
  }
  return templates.sort(
    (a, b) =>
      a.manifest.recipe.localeCompare(b.manifest.recipe) ||
      b.manifest.builtAt.localeCompare(a.manifest.builtAt),
  );
}

/**
 * A template named the way a person would: the full key, a key prefix of at least 8 digits, or the directory
 * name (`node-x86_64-0123456789ab`). TNB500 when nothing or more than one matches.
 */
export async function resolveTemplateRef(store: TemplateStore, ref: string): Promise<Template> {
  const templates = await listTemplates(store);
  const matches = templates.filter(
    (template) =>
      template.name === ref || (ref.length >= 8 && /^[0-9a-f]+$/.test(ref) && template.key.startsWith(ref)),
  );
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    throw new TnbuildError('TNB500', `"${ref}" matches ${matches.length} templates`, {
      details: matches.map((template) => template.name),
      hint: 'Give more digits of the key, or the directory name.',
    });
  }
  throw new TnbuildError('TNB500', `no template "${ref}" in ${store.root}`, {
    hint: 'Run `tnbuild templates list` to see the stored templates.',
  });
}
