import { readFile, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { CacheLayout } from './cache-layout.ts';
import type { Checksum } from './types.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/** `meta/<algorithm>/<hex>.json`: what the cache knows about one blob. */
export interface EntryMeta {
  readonly algorithm: Checksum['algorithm'];
  readonly value: string;
  readonly size: number;
  /** The blob's mtime when it was last hashed: the fast path trusts a blob whose size and mtime still match. */
  readonly mtimeMs: number;
  readonly verifiedAt: string;
  readonly lastUsedAt: string;
  readonly sources: readonly EntrySource[];
}

export interface EntrySource {
  readonly url: string;
  readonly fileName: string;
}

export async function readEntryMeta(layout: CacheLayout, checksum: Checksum): Promise<EntryMeta | undefined> {
  try {
    return JSON.parse(await readFile(layout.metaPath(checksum), 'utf8')) as EntryMeta;
  } catch {
    return undefined;
  }
}

/** Records a successful hash of the blob (and who asked for it), and points `files/<name>` at it. */
export async function recordVerified(
  layout: CacheLayout,
  checksum: Checksum,
  source?: EntrySource,
): Promise<EntryMeta> {
  const previous = await readEntryMeta(layout, checksum);
  const info = await stat(layout.blobPath(checksum));
  const now = new Date().toISOString();
  const meta: EntryMeta = {
    algorithm: checksum.algorithm,
    value: checksum.value,
    size: info.size,
    mtimeMs: info.mtimeMs,
    verifiedAt: now,
    lastUsedAt: now,
    sources: mergeSources(previous?.sources ?? [], source),
  };
  await writeFileAtomic(layout, layout.metaPath(checksum), `${JSON.stringify(meta, null, 2)}\n`);
  if (source) await linkName(layout, source.fileName, checksum);
  return meta;
}

/**
 * A cache hit: bump `lastUsedAt` (prune uses it; atime is unreliable) and keep the name pointing here. Best effort,
 * so a read-only, pre-seeded cache still serves hits.
 */
export async function recordUse(layout: CacheLayout, meta: EntryMeta, source: EntrySource): Promise<void> {
  const updated: EntryMeta = {
    ...meta,
    lastUsedAt: new Date().toISOString(),
    sources: mergeSources(meta.sources, source),
  };
  try {
    await writeFileAtomic(layout, layout.metaPath(meta), `${JSON.stringify(updated, null, 2)}\n`);
    await linkName(layout, source.fileName, meta);
  } catch {}
}

/** Deletes a blob, its meta and every name still pointing at it. */
export async function removeEntry(
  layout: CacheLayout,
  checksum: Checksum,
  sources: readonly EntrySource[],
): Promise<void> {
  await rm(layout.blobPath(checksum), { force: true });
  await rm(layout.metaPath(checksum), { force: true });
  const target = nameTarget(layout, checksum);
  for (const { fileName } of sources) {
    const link = layout.namePath(fileName);
    if ((await readlink(link).catch(() => undefined)) === target) await rm(link, { force: true });
  }
}

export function nameTarget(layout: CacheLayout, checksum: Checksum): string {
  return path.relative(layout.filesDir, layout.blobPath(checksum));
}

async function linkName(layout: CacheLayout, fileName: string, checksum: Checksum): Promise<void> {
  const link = layout.namePath(fileName);
  const target = nameTarget(layout, checksum);
  if ((await readlink(link).catch(() => undefined)) === target) return;
  // A relative symlink, swapped in by rename: `ls -l files/` shows which blob each name is.
  const scratch = layout.scratchPath('link');
  try {
    await symlink(target, scratch);
    await rename(scratch, link);
  } catch {
    await rm(scratch, { force: true });
  }
}

function mergeSources(sources: readonly EntrySource[], added: EntrySource | undefined): EntrySource[] {
  const kept = sources.filter((source) => source.url !== added?.url);
  return added ? [...kept, added] : kept;
}
