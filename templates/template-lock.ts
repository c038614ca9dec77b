import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { acquireCacheLock, type LockHolder } from '../artifacts/cache-lock.ts';
import { TnbuildError } from '../errors/index.ts';
import { assertKey, lockPathFor, type TemplateStore } from './template-store.ts';

export interface TemplateLockOptions {
  readonly signal?: AbortSignal;
  /** Called once if another build holds the lock and this one starts waiting. */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /** Give up (TNB507) after this long. @default wait as long as the holder lives */
  readonly timeoutMs?: number;
}

/**
 * Runs `fn` while holding `.locks/<key>.lock` (O_EXCL file with pid, host and a heartbeat; the download cache's
 * lock, reused). A second build of the same key waits here; a lock left by a dead process (same host) or with a
 * stopped heartbeat is taken over. The lock is released however `fn` ends.
 */
export async function withTemplateLock<T>(
  store: TemplateStore,
  key: string,
  fn: () => Promise<T>,
  options: TemplateLockOptions = {},
): Promise<T> {
  assertKey(key);
  const lockPath = lockPathFor(store, key);
  await mkdir(dirname(lockPath), { recursive: true });
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((signal): signal is AbortSignal => signal !== undefined);
  let holder: LockHolder | undefined;
  let release: () => Promise<void>;
  try {
    release = await acquireCacheLock(lockPath, {
      ...(signals.length > 0 && { signal: AbortSignal.any(signals) }),
      onWait: (found) => {
        holder = found;
        options.onWait?.(found);
      },
    });
  } catch (error) {
    if (timeout?.aborted && !options.signal?.aborted) {
      const who = holder
        ? `pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}`
        : 'another build';
      throw new TnbuildError(
        'TNB507',
        `waited ${options.timeoutMs} ms for ${who} to finish building template ${key.slice(0, 12)}`,
        {
          details: [`lock file: ${lockPath}`],
        },
      );
    }
    if (options.signal?.aborted) {
      throw new TnbuildError('TNB306', 'the build was interrupted while waiting for the template lock', {
        cause: error,
      });
    }
    throw error;
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}
