import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { acquireCacheLock } from '../../artifacts/index.ts';
import { filesIn, makeTempDir } from './helpers/temp-cache.ts';

describe('acquireCacheLock', () => {
  it('waits while the lock is held and gets it when released', async () => {
    const dir = await makeTempDir();
    const lockPath = path.join(dir, 'x.lock');
    const release = await acquireCacheLock(lockPath);
    let waitedFor: number | undefined;
    let acquired = false;

    const second = acquireCacheLock(lockPath, { onWait: (holder) => (waitedFor = holder?.pid) }).then(
      (releaseSecond) => {
        acquired = true;
        return releaseSecond;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(acquired).toBe(false);
    expect(waitedFor).toBe(process.pid);

    await release();
    await (await second)();
    expect(acquired).toBe(true);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('takes over a lock left by a process that has exited', async () => {
    const dir = await makeTempDir();
    const lockPath = path.join(dir, 'x.lock');
    const exited = execa('node', ['-e', '']);
    const pid = exited.pid;
    await exited;
    await writeFile(
      lockPath,
      JSON.stringify({ pid, hostname: os.hostname(), startedAt: new Date().toISOString() }),
    );

    const started = Date.now();
    const release = await acquireCacheLock(lockPath);

    expect(Date.now() - started).toBeLessThan(10_000);
    await release();
  });

  it("takes over a lock whose heartbeat stopped, even from another host's pid", async () => {
    const dir = await makeTempDir();
    const lockPath = path.join(dir, 'x.lock');
    await writeFile(
      lockPath,
      JSON.stringify({ pid: process.pid, hostname: 'elsewhere', startedAt: '2020-01-01T00:00:00Z' }),
    );

    const release = await acquireCacheLock(lockPath, { staleMs: 100 });
    await release();
    expect(await filesIn(dir)).toEqual([]);
  });

  it('stops waiting when aborted', async () => {
    const dir = await makeTempDir();
    const lockPath = path.join(dir, 'x.lock');
    const release = await acquireCacheLock(lockPath);
    const controller = new AbortController();
    const waiting = acquireCacheLock(lockPath, { signal: controller.signal });
    controller.abort(new Error('build interrupted'));
    await expect(waiting).rejects.toThrow('build interrupted');
    await release();
  });
});
