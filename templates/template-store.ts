import { chmod, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isArch } from '../dsl/arch.ts';
import { NAME } from '../dsl/fields.ts';
import { TnbuildError } from '../errors/index.ts';
import { resolveVmsRoot } from '../vms/vms-root.ts';
import { type TemplateManifest, templateManifestSchema } from './template-manifest.ts';

/** Where templates live (`output/templates`) and where the clones that may depend on them live (`~/vms`). */
export interface TemplateStore {
  readonly root: string;
  readonly vmsRoot: string;
}

/** One stored template: an immutable directory holding `disk.qcow2` and `manifest.json`. */
export interface Template {
  readonly key: string;
  /** `<recipe>-<arch>-<key12>`, the directory's name. */
  readonly name: string;
  readonly dir: string;
  readonly disk: string;
  readonly manifest: TemplateManifest;
}

export const DISK_FILE = 'disk.qcow2';
export const MANIFEST_FILE = 'manifest.json';
const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** @param options.root default `output/templates` under the working directory; `vmsRoot` default `~/vms`. */
export function openTemplateStore(
  options: { readonly root?: string; readonly vmsRoot?: string } = {},
): TemplateStore {
  return {
    root: resolve(options.root ?? join('output', 'templates')),
    vmsRoot: options.vmsRoot === undefined ? resolveVmsRoot() : resolve(options.vmsRoot),
  };
}

export function templateDirName(recipe: string, arch: string, key: string): string {
  // Checked again here, whatever checked them before: the result is a folder name in the store.
  if (!NAME.test(recipe) || !isArch(arch)) {
    throw new TnbuildError('TNB900', `not a template name: ${JSON.stringify([recipe, arch])}`);
  }
  assertKey(key);
  return `${recipe}-${arch}-${key.slice(0, 12)}`;
}

export function lockPathFor(store: TemplateStore, key: string): string {
  return join(store.root, '.locks', `${key}.lock`);
}

export function assertKey(key: string): void {
  if (!KEY_PATTERN.test(key))
    throw new TnbuildError('TNB900', `not a template cache key (64 hex digits): ${JSON.stringify(key)}`);
}

/** Reads one template directory; TNB510 when its manifest is missing or does not parse. */
export async function readTemplateDir(dir: string, name: string): Promise<Template> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    throw new TnbuildError('TNB510', `${dir} has no readable ${MANIFEST_FILE}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TnbuildError('TNB510', `${join(dir, MANIFEST_FILE)} is not JSON`, { cause: error });
  }
  const parsed = templateManifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new TnbuildError(
      'TNB510',
      `${join(dir, MANIFEST_FILE)} is not a template manifest (${first?.path.join('.')}: ${first?.message})`,
    );
  }
  return { key: parsed.data.key, name, dir, disk: join(dir, DISK_FILE), manifest: parsed.data };
}

/** Names of the template directories (dot-entries are locks and unfinished writes). */
export async function listTemplateDirNames(store: TemplateStore): Promise<string[]> {
  const entries = await readdir(store.root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Templates are read-only and their owner's only (files 0400, directory 0500); removing one makes it writable first. */
export async function removeReadOnlyDir(dir: string): Promise<void> {
  await chmod(dir, 0o755).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
