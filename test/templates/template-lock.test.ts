import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { CommitTemplateInput } from '../../templates/commit-template.ts';
import { ensureTemplate } from '../../templates/ensure-template.ts';
import { findTemplate } from '../../templates/find-template.ts';
import { withTemplateLock } from '../../templates/template-lock.ts';
import { lockPathFor, openTemplateStore } from '../../templates/template-store.ts';
import { keyOf, makeQcow2, sampleInput, tempDir } from './helpers.ts';

async function newStore() {
  const dir = await tempDir('lock');
  return openTemplateStore({ root: join(dir, 'templates'), vmsRoot: join(dir, 'vms') });
}

async function buildBlank(delayMs: number): Promise<CommitTemplateInput> {
  const disk = join(await tempDir('disk'), 'disk.qcow2');
  await makeQcow2(disk);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  return sampleInput(disk);
}

const KEY = keyOf('node');

describe('ensureTemplate and the template lock', () => {
  it('builds once when two builds of one key run at the same time: the second waits, then reuses', async () => {
    const store = await newStore();
    let builds = 0;
    const build = async () => {
      builds++;
      return buildBlank(300);
    };
    const waits: string[] = [];
    const [first, second] = await Promise.all([
      ensureTemplate(store, KEY, build),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        ensureTemplate(store, KEY, build, { onWait: (holder) => waits.push(`pid ${holder?.pid}`) }),
      ),
    ]);
    expect(builds).toBe(1);
    expect(first.outcome).toBe('built');
    expect(second.outcome).toBe('waited');
    expect(waits).toEqual([`pid ${process.pid}`]);
    expect(second.template.dir).toBe(first.template.dir);
    expect(existsSync(lockPathFor(store, KEY))).toBe(false);
  });

  it('starts nothing for a stored key (cache hit) and rebuilds with force', async () => {
    const store = await newStore();
    await ensureTemplate(store, KEY, () => buildBlank(0));
    let called = false;
    const hit = await ensureTemplate(store, KEY, async () => {
      called = true;
      return buildBlank(0);
    });
    expect(hit.outcome).toBe('stored');
    expect(called).toBe(false);
    const forced = await ensureTemplate(store, KEY, () => buildBlank(0), { force: true });
    expect(forced.outcome).toBe('built');
  });

  it('leaves no template, no lock and no temp dir when the build is interrupted (Ctrl-C during seal)', async () => {
    const store = await newStore();
    const controller = new AbortController();
    const build = async (): Promise<CommitTemplateInput> => {
      setTimeout(() => controller.abort(), 50);
      await new Promise((_, reject) =>
        controller.signal.addEventListener('abort', () => reject(new Error('interrupted during seal'))),
      );
      throw new Error('unreachable');
    };
    await expect(ensureTemplate(store, KEY, build, { signal: controller.signal })).rejects.toThrow(
      'interrupted during seal',
    );
    expect(await findTemplate(store, KEY)).toBeUndefined();
    expect(existsSync(lockPathFor(store, KEY))).toBe(false);
    expect((await readdir(store.root)).filter((entry) => entry !== '.locks')).toEqual([]);
  });

  it('takes over from a build that was killed mid-commit, and clears what it left', async () => {
    const store = await newStore();
    const disk = join(await tempDir('disk'), 'disk.qcow2');
    await makeQcow2(disk);
    const child = execa(
      'node',
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures/crash-mid-commit.ts'),
        store.root,
        store.vmsRoot,
        disk,
      ],
      {
        reject: false,
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('half-way')) resolve();
      });
      void child.then((result) => reject(new Error(`child ended early: ${result.stderr}`)));
    });
    expect(existsSync(lockPathFor(store, KEY))).toBe(true);
    expect((await readdir(store.root)).some((entry) => entry.startsWith('.tmp-'))).toBe(true);
    child.kill('SIGKILL');
    await child;

    const started = Date.now();
    const result = await ensureTemplate(store, KEY, () => buildBlank(0));
    expect(result.outcome).toBe('built');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await readdir(store.root)).filter((entry) => entry !== '.locks')).toEqual([result.template.name]);
    expect(await readdir(join(store.root, '.locks'))).toEqual([]);
  });

  it('gives up with TNB507 after timeoutMs, naming the holder', async () => {
    const store = await newStore();
    let release!: () => void;
    const held = withTemplateLock(store, KEY, () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = withTemplateLock(store, KEY, async () => 'never', { timeoutMs: 300 });
    await expect(waiting).rejects.toMatchObject({
      code: 'TNB507',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    release();
    await held;
    expect(existsSync(lockPathFor(store, KEY))).toBe(false);
  });
});
