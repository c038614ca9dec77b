import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import { sleep } from './sleep.ts';

export interface CacheLockOptions {
  readonly signal?: AbortSignal;
  /** Called once when the lock is held by someone else and we start waiting. */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /** A lock whose heartbeat is older than this is stale even if its pid looks alive. @default 20000 */
  readonly staleMs?: number;
}

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
}

export type ReleaseLock = () => Promise<void>;

const heartbeatMs = 2000;

/**
 * Takes `locks/<key>.lock` (created with O_EXCL), waiting while another fetch — in this process or another — holds
 * it. The holder touches the file every 2 s; a lock whose pid is gone (same host) or whose heartbeat stopped is stale
 * and taken over.
 */
export async function acquireCacheLock(
  lockPath: string,
  options: CacheLockOptions = {},
): Promise<ReleaseLock> {
  const staleMs = options.staleMs ?? 20_000;
  let waited = false;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    options.signal?.throwIfAborted();
    const release = await tryCreateLock(lockPath);
    if (release) return release;
    const holder = await readHolder(lockPath);
    const staleInode = await findStaleInode(lockPath, holder, staleMs);
    if (staleInode !== undefined) {
      await takeOverStale(lockPath, staleInode);
      continue;
    }
    if (!waited) options.onWait?.(holder);
    waited = true;
    await sleep(delay, options.signal);
  }
}

async function tryCreateLock(lockPath: string): Promise<ReleaseLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  const holder: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
  };
  await handle.writeFile(JSON.stringify(holder));
  await handle.close();
  const timer = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await rm(lockPath, { force: true });
  };
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** The inode of the lock file if it is stale; undefined if it is live or already gone. */
async function findStaleInode(
  lockPath: string,
  holder: LockHolder | undefined,
  staleMs: number,
): Promise<number | undefined> {
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return undefined; // released meanwhile: just try again
  if (holder && holder.hostname === os.hostname() && !isPidAlive(holder.pid)) return info.ino;
  // An unreadable lock is a holder that has not finished writing it yet, unless it stays that way.
  return Date.now() - info.mtimeMs > staleMs ? info.ino : undefined;
}

/**
 * Moves the stale lock aside before deleting it. Two waiters may judge the same lock stale; if the one that comes
 * second finds it moved a fresh lock (another inode) instead, it puts that one back.
 */
async function takeOverStale(lockPath: string, staleInode: number): Promise<void> {
  const aside = `${lockPath}.stale.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== staleInode) await link(aside, lockPath).catch(() => {});
  await rm(aside, { force: true });
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
