import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isPidAlive } from '../artifacts/cache-lock.ts';
import { TnbuildError } from '../errors/index.ts';
import { findTemplateUsers, listVmRecords } from '../vms/list-vm-records.ts';
import { ownerOfTmpDir, removeAbandonedTmpDirs } from './commit-template.ts';
import { listTemplates, resolveTemplateRef } from './find-template.ts';
import {
  listTemplateDirNames,
  readTemplateDir,
  removeReadOnlyDir,
  type Template,
  type TemplateStore,
} from './template-store.ts';

function inUseError(template: Template, users: readonly string[]): TnbuildError {
  return new TnbuildError(
    'TNB501',
    `template ${template.name} is used by ${users.length === 1 ? 'VM' : 'VMs'} ${users.join(', ')}`,
    {
      details: users.map((user) => `~/vms clone: ${user}`),
    },
  );
}

/** Removes one template (`ref`: key, key prefix or directory name); TNB501 while any clone was made from it. */
export async function removeTemplate(store: TemplateStore, ref: string): Promise<Template> {
  const template = await resolveTemplateRef(store, ref);
  const users = await findTemplateUsers(store.vmsRoot, template.key);
  if (users.length > 0) throw inUseError(template, users);
  await removeReadOnlyDir(template.dir);
  return template;
}

export interface GcOptions {
  /** Keys to keep whatever their age (the CLI passes the current keys of the recipes it can see). */
  readonly keep?: Iterable<string>;
  /** Newest templates kept per recipe and arch. @default 1 */
  readonly keepLatest?: number;
  /** Report what would go, remove nothing. */
  readonly dryRun?: boolean;
}

export interface GcReport {
  readonly removed: readonly Template[];
  readonly kept: readonly { readonly template: Template; readonly reason: string }[];
  /** Damaged template directories and unfinished commits of dead processes. */
  readonly debris: readonly string[];
}

/**
 * Removes templates nobody needs: not used by a clone, not in `keep`, not among the newest `keepLatest` of their
 * recipe and arch. Also removes damaged template directories and unfinished commits left by dead processes. A
 * template a clone was made from is always kept.
 */
export async function gcTemplates(store: TemplateStore, options: GcOptions = {}): Promise<GcReport> {
  const keep = new Set(options.keep ?? []);
  const keepLatest = options.keepLatest ?? 1;
  const usedBy = new Map<string, string[]>();
  for (const record of await listVmRecords(store.vmsRoot)) {
    usedBy.set(record.template.key, [...(usedBy.get(record.template.key) ?? []), record.name]);
  }
  const removed: Template[] = [];
  const kept: { template: Template; reason: string }[] = [];
  const seen = new Map<string, number>();
  for (const template of await listTemplates(store)) {
    const line = `${template.manifest.recipe}/${template.manifest.arch}`;
    const rank = (seen.get(line) ?? 0) + 1;
    seen.set(line, rank);
    const users = usedBy.get(template.key);
    if (users) kept.push({ template, reason: `used by ${users.join(', ')}` });
    else if (keep.has(template.key)) kept.push({ template, reason: 'current' });
    else if (rank <= keepLatest) kept.push({ template, reason: 'newest' });
    else removed.push(template);
  }
  const debris: string[] = [];
  for (const name of await listTemplateDirNames(store)) {
    const damaged = await readTemplateDir(join(store.root, name), name).then(
      () => false,
      () => true,
    );
    const key12 = name.slice(-12);
    const used = [...usedBy.keys()].some((key) => key.startsWith(key12));
    if (damaged && !used) debris.push(name);
  }
  if (options.dryRun) {
    const entries = await readdir(store.root).catch(() => [] as string[]);
    const abandoned = entries.filter((entry) => {
      const pid = ownerOfTmpDir(entry);
      return pid !== undefined && !isPidAlive(pid);
    });
    return { removed, kept, debris: [...debris, ...abandoned] };
  }
  for (const template of removed) await removeReadOnlyDir(template.dir);
  for (const name of debris) await removeReadOnlyDir(join(store.root, name));
  debris.push(...(await removeAbandonedTmpDirs(store)));
  return { removed, kept, debris };
}
