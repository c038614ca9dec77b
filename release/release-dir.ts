import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { fsyncPath } from '../host/fsync-path.ts';

/** A release folder being written: `.tmp-<base>-<pid>-<rand>/` beside where it will be renamed to. */
export interface ReleaseScratch {
  readonly tmp: string;
  readonly finalDir: string;
}

/** TNB604 if the release exists; otherwise makes the scratch folder. */
export async function startReleaseDir(outDir: string, base: string): Promise<ReleaseScratch> {
  const finalDir = join(outDir, base);
  if (await stat(finalDir).catch(() => undefined)) throw alreadyReleased(finalDir);
  await mkdir(outDir, { recursive: true });
  const tmp = join(outDir, `.tmp-${base}-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(tmp);
  return { tmp, finalDir };
}

/** fsyncs the files, renames the folder into place and fsyncs the parent: the release is absent or whole. */
export async function finishReleaseDir(scratch: ReleaseScratch, files: readonly string[]): Promise<void> {
  for (const file of files) await fsyncPath(join(scratch.tmp, file));
  await rename(scratch.tmp, scratch.finalDir).catch((error: NodeJS.ErrnoException) => {
    // Another release of the same name and version finished meanwhile.
    if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') throw alreadyReleased(scratch.finalDir);
    throw error;
  });
  await fsyncPath(join(scratch.finalDir, '..'));
}

export async function discardReleaseDir(scratch: ReleaseScratch): Promise<void> {
  await rm(scratch.tmp, { recursive: true, force: true });
}

function alreadyReleased(dir: string): TnbuildError {
  return new TnbuildError('TNB604', `${dir} already exists`);
}
