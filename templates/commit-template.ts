import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPidAlive } from '../artifacts/cache-lock.ts';
import { TnbuildError } from '../errors/index.ts';
import { fsyncPath } from '../host/fsync-path.ts';
import { pathInside } from '../host/path-inside.ts';
import { readQcow2Header } from './qcow2-header.ts';
import { type TemplateInput, type TemplateManifest, templateManifestSchema } from './template-manifest.ts';
import {
  DISK_FILE,
  MANIFEST_FILE,
  readTemplateDir,
  removeReadOnlyDir,
  type Template,
  type TemplateStore,
  templateDirName,
} from './template-store.ts';

export interface CommitTemplateInput {
  readonly recipe: string;
  readonly key: string;
  readonly parentKey: string | null;
  readonly arch: TemplateManifest['arch'];
  readonly os: TemplateManifest['os'];
  /** A standalone qcow2 (sealed, compacted/flattened). It is moved into the store, not copied. */
  readonly disk: string;
  readonly compressed: boolean;
  readonly inputs: readonly TemplateInput[];
  readonly packages: readonly string[];
  readonly sshUser: string;
  readonly vm: TemplateManifest['vm'];
  readonly ports: TemplateManifest['ports'];
  readonly network?: TemplateManifest['network'];
  readonly machine: TemplateManifest['machine'];
  readonly builtAt: Date;
  readonly buildMs: number;
  readonly versions: TemplateManifest['versions'];
  readonly origin?: TemplateManifest['origin'];
}

export interface CommitTemplateOptions {
  /** Replace a template already stored under this key (`--force`); otherwise the stored one wins. */
  readonly replace?: boolean;
  readonly signal?: AbortSignal;
  /** Told when each stage starts (progress views; tests use it to interrupt a commit half-way). */
  readonly onStage?: (stage: 'disk' | 'manifest' | 'rename') => void | Promise<void>;
}

const TMP_PREFIX = '.tmp-';

function tmpDirName(name: string): string {
  return `${TMP_PREFIX}${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The pid that owns a `.tmp-<name>-<pid>-<rand>` directory, or undefined for a name not made by tmpDirName. */
export function ownerOfTmpDir(entry: string): number | undefined {
  const match = /^\.tmp-.+-(\d+)-[0-9a-f]{6}$/.exec(entry);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Removes unfinished commits whose process is gone (a crash or SIGKILL mid-commit); returns their names. */
export async function removeAbandonedTmpDirs(store: TemplateStore): Promise<string[]> {
  const entries = await readdir(store.root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const pid = ownerOfTmpDir(entry);
    if (pid === undefined || isPidAlive(pid)) continue;
    await removeReadOnlyDir(join(store.root, entry));
    removed.push(entry);
  }
  return removed;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

async function readExisting(dir: string, name: string): Promise<'absent' | 'valid' | 'damaged'> {
  try {
    await readTemplateDir(dir, name);
    return 'valid';
  } catch (error) {
    const missing = await stat(dir).then(
      () => false,
      () => true,
    );
    if (missing) return 'absent';
    if (error instanceof TnbuildError && error.code === 'TNB510') return 'damaged';
    throw error;
  }
}

function interrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new TnbuildError('TNB306', 'the build was interrupted while storing the template', {
      cause: signal.reason,
    });
}

function manifestOf(input: CommitTemplateInput, virtualSize: number, actualSize: number): TemplateManifest {
  return {
    format: 1,
    recipe: input.recipe,
    key: input.key,
    parentKey: input.parentKey,
    arch: input.arch,
    os: input.os,
    inputs: [...input.inputs],
    disk: { file: DISK_FILE, virtualSize, actualSize, compressed: input.compressed },
    builtAt: input.builtAt.toISOString(),
    buildMs: Math.round(input.buildMs),
    versions: input.versions,
    packages: [...input.packages],
    sshUser: input.sshUser,
    vm: input.vm,
    ports: input.ports,
    ...(input.network && { network: input.network }),
    machine: input.machine,
    ...(input.origin && { origin: input.origin }),
  };
}

/**
 * Stores a built template: moves the disk into `.tmp-<name>-<pid>-<rand>/`, writes the manifest, makes both
 * read-only, fsyncs, and renames the directory into place, so a reader sees no template or a whole one. Any
 * failure or abort removes the temporary directory. Hold `withTemplateLock` for the key around the build and this.
 */
export async function commitTemplate(
  store: TemplateStore,
  input: CommitTemplateInput,
  options: CommitTemplateOptions = {},
): Promise<Template> {
  const header = await readQcow2Header(input.disk);
  if (header.backingFile !== undefined) {
    throw new TnbuildError(
      'TNB900',
      `${input.disk} still has a backing file (${header.backingFile}); flatten it with compactDisk first`,
    );
  }
  const name = templateDirName(input.recipe, input.arch, input.key);
  // Whatever the store writes it must read back: a manifest its own schema refuses is a bug, found before the
  // disk is moved.
  const checked = templateManifestSchema.safeParse(manifestOf(input, header.virtualSize, 0));
  if (!checked.success) {
    const first = checked.error.issues[0];
    throw new TnbuildError(
      'TNB900',
      `the manifest for ${name} would not be readable (${first?.path.join('.')}: ${first?.message})`,
    );
  }
  const finalDir = pathInside(store.root, name);
  await mkdir(store.root, { recursive: true });
  const tmp = pathInside(store.root, tmpDirName(name));
  await mkdir(tmp);
  try {
    await options.onStage?.('disk');
    interrupted(options.signal);
    const disk = join(tmp, DISK_FILE);
    await moveFile(input.disk, disk);
    // Read-only, and for its owner only: a template may hold what its recipe wrote (keys, password hashes).
    await chmod(disk, 0o400);
    await fsyncPath(disk);

    await options.onStage?.('manifest');
    interrupted(options.signal);
    const manifest = manifestOf(input, header.virtualSize, (await stat(disk)).blocks * 512);
    const manifestPath = join(tmp, MANIFEST_FILE);
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o400 });
    await fsyncPath(manifestPath);
    await chmod(tmp, 0o500);

    await options.onStage?.('rename');
    interrupted(options.signal);
    const existing = await readExisting(finalDir, name);
    if (existing === 'valid' && !options.replace) {
      // Stored meanwhile by a build that did not hold the lock: theirs is equally valid; keep it.
      await removeReadOnlyDir(tmp);
      return await readTemplateDir(finalDir, name);
    }
    if (existing === 'absent') {
      await rename(tmp, finalDir);
    } else {
      // Replacing (--force) or repairing a damaged entry: swap, then delete the old one.
      const aside = join(store.root, tmpDirName(`${name}-old`));
      await rename(finalDir, aside);
      await rename(tmp, finalDir);
      await removeReadOnlyDir(aside);
    }
    await fsyncPath(dirname(finalDir));
    return await readTemplateDir(finalDir, name);
  } catch (error) {
    await removeReadOnlyDir(tmp);
    throw error;
  }
}
