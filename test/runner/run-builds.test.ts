import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../dsl/load-recipes.ts';
import { imageCodeVersion } from '../../plan/image-code-version.ts';
import { planBuild } from '../../plan/plan-build.ts';
import { defaultParallel, mapWithLimit } from '../../runner/run-builds.ts';
import { openTemplateStore } from '../../templates/index.ts';
import { createRecipeProject, REPO, runTnbuild } from '../helpers/recipe-project.ts';
import { commitBlankTemplate } from '../templates/helpers.ts';

describe('mapWithLimit', () => {
  it('runs at most `limit` at once, starts in order, and keeps every outcome in the items’ order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapWithLimit([30, 5, 20, 1, 10], 2, async (ms) => {
      started.push(ms);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      if (ms === 5) throw new Error('five failed');
      return ms * 2;
    });
    expect(most).toBe(2);
    expect(started.slice(0, 2)).toEqual([30, 5]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 60 },
      { status: 'rejected', reason: new Error('five failed') },
      { status: 'fulfilled', value: 40 },
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 20 },
    ]);
  });
});

describe('defaultParallel', () => {
  it('is bounded by the builds, the cores and free memory, and is never 0', () => {
    const gib = 1024 ** 3;
    expect(defaultParallel([gib])).toBe(1);
    expect(defaultParallel([gib, gib, gib])).toBe(
      Math.min(3, availableParallelism(), Math.floor(freemem() / gib)),
    );
    // A VM larger than the free memory still builds, one at a time.
    expect(defaultParallel([freemem() * 4, gib])).toBe(1);
  });
});

/** A project whose `base` installs from a local file (not an ISO: QEMU is a spy that fails), and two children. */
function projectWithChildren() {
  const iso = Buffer.from('not really an ISO\n');
  const dir = createRecipeProject({ 'media/fake.iso': iso.toString() });
  const checksum = `sha256:${createHash('sha256').update(iso).digest('hex')}`;
  const url = pathToFileURL(join(dir, 'media/fake.iso')).href;
  mkdirSync(join(dir, 'recipes'));
  const child = (name: string, port: number) => `import { defineRecipe, file } from 'tnbuild';
export default defineRecipe({
  source: { type: 'parent', recipe: 'base' },
  vm: { name: '${name}' },
  ports: [{ name: 'ssh', guest: 22, host: ${port} }],
  steps: [file('/etc/${name}', { content: '${name}\\n' })],
});
`;
  writeFileSync(
    join(dir, 'recipes/base.ts'),
    `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'alpine', release: '3.22' },
  arch: ['x86_64'],
  source: { type: 'iso', iso: { url: '${url}', checksum: '${checksum}' }, installer: { type: 'alpine' } },
  ports: [{ name: 'ssh', guest: 22, host: 2221 }],
});
`,
  );
  writeFileSync(join(dir, 'recipes/a.ts'), child('a', 2231));
  writeFileSync(join(dir, 'recipes/b.ts'), child('b', 2232));
  const spies = join(dir, 'spies');
  mkdirSync(spies);
  writeFileSync(
    join(spies, 'qemu-system-x86_64'),
    `#!/bin/sh\necho "qemu $*" >> '${join(dir, 'qemu-calls.log')}'\nexit 1\n`,
  );
  chmodSync(join(spies, 'qemu-system-x86_64'), 0o755);
  return {
    dir,
    env: { PATH: `${spies}:${process.env.PATH}` },
    qemuCalls: () =>
      existsSync(join(dir, 'qemu-calls.log'))
        ? readFileSync(join(dir, 'qemu-calls.log'), 'utf8').trim().split('\n')
        : [],
  };
}

describe('tnbuild recipe with several names', () => {
  it('builds a parent two children share once: its failure fails both, with no second attempt and nothing left', async () => {
    const project = projectWithChildren();
    const result = await runTnbuild(
      project.dir,
      ['recipe', 'a', 'b', '--parallel', '2', '--accel', 'tcg', '--arch', 'x86_64'],
      project.env,
    );
    expect(result.exitCode, result.stderr).toBe(1);
    // Without sharing, b waited on base's lock and then booted base's installer a second time.
    expect(project.qemuCalls()).toHaveLength(1);
    expect(result.stderr).toMatch(/TNB302/);
    expect(result.stdout).toMatch(/base: failed: /);
    const templates = join(project.dir, 'output/templates');
    expect(readdirSync(templates).filter((entry) => entry !== '.locks')).toEqual([]);
    expect(readdirSync(join(templates, '.locks'))).toEqual([]);
  });

  it('reports every recipe named, and a cache hit for all of them as one line', async () => {
    const dir = createRecipeProject({});
    cpSync(join(REPO, 'recipes'), join(dir, 'recipes'), { recursive: true });
    const store = openTemplateStore({ root: join(dir, 'output/templates'), vmsRoot: join(dir, 'home/vms') });
    for (const name of ['node', 'registry']) {
      const recipe = await loadRecipe(join(dir, 'recipes'), name);
      for (const layer of planBuild(recipe, 'x86_64', imageCodeVersion()).layers) {
        if (name === 'registry' && layer.recipe === 'base') continue;
        await commitBlankTemplate(store, layer.recipe, {
          key: layer.key,
          parentKey: layer.source.type === 'parent' ? layer.source.key : null,
          os: { family: 'alpine', release: '3.22' },
        });
      }
    }
    const plain = await runTnbuild(dir, ['recipe', 'node', 'registry', 'node', '--arch', 'x86_64']);
    expect(plain.exitCode, plain.stderr).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines.slice(-3)).toEqual([
      expect.stringMatching(/^node: .*output\/templates\/node-x86_64-[0-9a-f]{12}/),
      expect.stringMatching(/^registry: .*output\/templates\/registry-x86_64-[0-9a-f]{12}/),
      'cache hit: nothing changed, no VM started',
    ]);
    const json = await runTnbuild(dir, ['recipe', 'node', 'registry', '--arch', 'x86_64', '--json']);
    const results = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; recipe: string; layers?: unknown })
      .filter((event) => event.type === 'result');
    expect(results.map((event) => event.recipe)).toEqual(['node', 'registry']);
    expect(results[1]?.layers).toEqual([
      { recipe: 'base', outcome: 'stored' },
      { recipe: 'registry', outcome: 'stored' },
    ]);
  });

  it('--parallel takes a whole number of at least 1', async () => {
    const dir = createRecipeProject({});
    for (const [value, message] of [
      ['0', '--parallel must be at least 1'],
      ['two', '--parallel must be a whole number, got "two"'],
    ] as const) {
      const result = await runTnbuild(dir, ['recipe', 'node', '--parallel', value]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(message);
      expect(existsSync(join(dir, 'output'))).toBe(false);
    }
  });
});
