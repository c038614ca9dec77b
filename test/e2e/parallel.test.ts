import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';

// Sibling builds in one command (TCG): the shared parent once, both children at the same time; then QEMU killed
// while a child provisions, which must leave nothing behind and the stored template as it was.
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-parallel-'));
const scratch = join(work, 'tmp');
mkdirSync(scratch, { recursive: true });
const env = isolatedEnv(work, { TNBUILD_E2E_GUEST: inject('guestFixture').dir, TMPDIR: scratch });
const output = join(work, 'output');
const flags = ['--recipes', join(REPO, 'test/e2e/recipes'), '--arch', 'x86_64', '--output', output];
const tnbuild = (args: string[]) => runCli(args, env, flags);

interface BuildLine {
  readonly time?: string;
  readonly type: string;
  readonly recipe?: string;
  readonly stage?: string;
  readonly status?: string;
  readonly layers?: readonly { recipe: string; outcome: string }[];
}

const jsonLines = (out: string): BuildLine[] =>
  out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as BuildLine);

/** QEMU processes started by this file's builds (their scratch disks are under its TMPDIR). */
async function buildQemus(): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid,args'], { reject: false });
  return stdout.split('\n').filter((line) => line.includes('qemu-system') && line.includes(scratch));
}

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

let failed: string | undefined;
function step(name: string, body: () => Promise<void>) {
  it(name, async () => {
    if (failed) throw new Error(`skipped: an earlier step failed (${failed})`);
    try {
      await body();
    } catch (error) {
      failed = name;
      throw error;
    }
  });
}

describe('parallel sibling builds and a child build killed mid-provision', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  step(
    'recipe registry peer-x86 --parallel 2 builds guest once, then both children at the same time',
    async () => {
      const built = await tnbuild(['recipe', 'registry', 'peer-x86', '--parallel', '2', '--json']);
      expect(built.exitCode, built.out).toBe(0);
      const events = jsonLines(built.out);
      const at = (type: string, recipe: string) =>
        Date.parse(events.find((event) => event.type === type && event.recipe === recipe)?.time ?? '');
      expect(events.filter((event) => event.type === 'layer-built').map((event) => event.recipe)).toEqual(
        expect.arrayContaining(['guest', 'registry', 'peer-x86']),
      );
      expect(
        events.filter(
          (event) => event.type === 'stage' && event.stage === 'install' && event.status === 'start',
        ),
      ).toHaveLength(1);
      // Each child's layer starts after the guest's is stored and before the other child's ends: they overlap.
      const registry = { start: at('stage', 'registry'), end: at('layer-built', 'registry') };
      const peer = { start: at('stage', 'peer-x86'), end: at('layer-built', 'peer-x86') };
      expect(registry.start).toBeGreaterThanOrEqual(at('layer-built', 'guest'));
      expect(peer.start).toBeGreaterThanOrEqual(at('layer-built', 'guest'));
      expect(registry.start).toBeLessThan(peer.end);
      expect(peer.start).toBeLessThan(registry.end);
      const results = events.filter((event) => event.type === 'result');
      expect(results.map((result) => result.recipe)).toEqual(['registry', 'peer-x86']);
      const guestOutcomes = results.map((result) => result.layers?.[0]?.outcome).sort();
      expect(guestOutcomes).toEqual(['built', 'waited']);
      console.log(
        `guest + registry ‖ peer-x86: registry ${(registry.end - registry.start) / 1000} s, peer-x86 ${(peer.end - peer.start) / 1000} s, overlapping ${(Math.min(registry.end, peer.end) - Math.max(registry.start, peer.start)) / 1000} s`,
      );

      const again = await tnbuild(['recipe', 'registry', 'peer-x86']);
      expect(again.exitCode, again.out).toBe(0);
      expect(again.out).toContain('cache hit: nothing changed, no VM started');
    },
  );

  step(
    'QEMU killed while peer-x86 provisions: exit 1, no QEMU, lock or scratch, the stored template intact',
    async () => {
      const before = entries(join(output, 'templates')).filter((name) => name.startsWith('peer-x86-'));
      expect(before).toHaveLength(1);
      const build = execa(join(REPO, 'bin/tnbuild.js'), ['recipe', 'peer-x86', '--force', ...flags], {
        env,
        reject: false,
        all: true,
      });
      let seen = '';
      build.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
      });
      for (let waited = 0; !/peer-x86: provision\b/.test(seen) && waited < 600_000; waited += 250)
        await new Promise((resolve) => setTimeout(resolve, 250));
      const qemus = await buildQemus();
      expect(qemus, seen).toHaveLength(1);
      process.kill(Number(qemus[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
      const result = await build;
      expect(result.exitCode, result.all).toBe(1);
      expect(result.all).toMatch(/error TNB\d{3}/);
      console.log(
        `after QEMU was killed: ${String(result.all)
          .split('\n')
          .filter((line) => /TNB\d{3}/.test(line))
          .join(' | ')}`,
      );
      expect(await buildQemus()).toEqual([]);
      expect(entries(join(output, 'templates/.locks'))).toEqual([]);
      expect(entries(join(output, 'templates')).filter((name) => name.startsWith('peer-x86-'))).toEqual(
        before,
      );
      expect(entries(scratch).filter((name) => name.startsWith('tnbuild'))).toEqual([]);

      // The template is as it was: a cache hit; and the next forced build works.
      const reused = await tnbuild(['recipe', 'peer-x86']);
      expect(reused.out).toContain('cache hit: nothing changed, no VM started');
      const rebuilt = await tnbuild(['recipe', 'peer-x86', '--force']);
      expect(rebuilt.exitCode, rebuilt.out).toBe(0);
      expect(rebuilt.out).toMatch(/peer-x86: checks done/);
    },
  );
});
