import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../dsl/load-recipes.ts';
import type { ResolvedRecipe } from '../../dsl/resolved-recipe.ts';
import { imageCodeVersion } from '../../plan/image-code-version.ts';
import type { PlannedLayer } from '../../plan/plan-build.ts';
import { planBuild } from '../../plan/plan-build.ts';
import { openTemplateStore, type TemplateStore } from '../../templates/index.ts';
import { createRecipeProject, REPO, runTnbuild } from '../helpers/recipe-project.ts';
import { commitBlankTemplate } from '../templates/helpers.ts';

// The bundled Alpine recipes, with their templates already in the store (blank disks stand in for the images,
// which cannot be built offline): the runner's cache rules through the real CLI, with QEMU spied on.
/** Stores a blank template under the layer's key, with the manifest fields the runner takes from the recipe. */
async function storeBlank(store: TemplateStore, recipe: ResolvedRecipe, layer: PlannedLayer): Promise<void> {
  await commitBlankTemplate(store, layer.recipe, {
    key: layer.key,
    parentKey: layer.source.type === 'parent' ? layer.source.key : null,
    os: { family: 'alpine', release: '3.22' },
    sshUser: recipe.vm.user,
    vm: { name: recipe.vm.name, firstBoot: [...recipe.vm.firstBoot] },
    ports: recipe.ports.map((port) => ({ ...port })),
    ...(recipe.network && { network: { ...recipe.network } }),
  });
}

async function projectWithStored(recipes: string[]) {
  const dir = createRecipeProject({});
  cpSync(join(REPO, 'recipes'), join(dir, 'recipes'), { recursive: true });
  const node = await loadRecipe(join(dir, 'recipes'), 'node');
  const plan = planBuild(node, 'x86_64', imageCodeVersion());
  const store = openTemplateStore({ root: join(dir, 'output/templates'), vmsRoot: join(dir, 'home/vms') });
  const chain = [node.source.type === 'parent' ? node.source.parent : node, node];
  for (const [index, layer] of plan.layers.entries()) {
    if (recipes.includes(layer.recipe)) await storeBlank(store, chain[index]!, layer);
  }
  const spies = join(dir, 'spies');
  mkdirSync(spies);
  for (const tool of ['qemu-system-x86_64', 'qemu-system-aarch64']) {
    writeFileSync(
      join(spies, tool),
      `#!/bin/sh\necho "${tool} $*" >> '${join(dir, 'qemu-calls.log')}'\nexit 1\n`,
    );
    chmodSync(join(spies, tool), 0o755);
  }
  return {
    dir,
    plan,
    env: { PATH: `${spies}:${process.env.PATH}` },
    qemuCalls: () =>
      existsSync(join(dir, 'qemu-calls.log')) ? readFileSync(join(dir, 'qemu-calls.log'), 'utf8') : '',
  };
}

describe('tnbuild recipe with stored templates', () => {
  it('is a cache hit for node when base and node are stored: no VM, no download', async () => {
    const project = await projectWithStored(['base', 'node']);
    const result = await runTnbuild(project.dir, ['recipe', 'node', '--arch', 'x86_64'], project.env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/base: cache hit/);
    expect(result.stdout).toMatch(/node: cache hit/);
    expect(result.stdout).toContain('cache hit: nothing changed, no VM started');
    expect(project.qemuCalls()).toBe('');
    expect(existsSync(join(project.dir, 'home/.vms/cache/blobs'))).toBe(false);
  });

  it('--json streams one event object a line, then the result', async () => {
    const project = await projectWithStored(['base', 'node']);
    const result = await runTnbuild(
      project.dir,
      ['recipe', 'node', '--arch', 'x86_64', '--json'],
      project.env,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; recipe?: string; time?: string });
    expect(events.map((event) => `${event.type} ${event.recipe}`)).toEqual([
      'layer-start base',
      'layer-cached base',
      'layer-start node',
      'layer-cached node',
      'result node',
    ]);
    expect(events.slice(0, -1).every((event) => !Number.isNaN(Date.parse(event.time ?? '')))).toBe(true);
    expect(events.at(-1)).toMatchObject({
      layers: [
        { recipe: 'base', outcome: 'stored' },
        { recipe: 'node', outcome: 'stored' },
      ],
      template: { key: project.plan.layers[1]!.key },
    });
  });

  it('plan marks both layers as stored', async () => {
    const project = await projectWithStored(['base', 'node']);
    const result = await runTnbuild(project.dir, ['plan', 'node', '--arch', 'x86_64']);
    expect(result.stdout).toMatch(/layer 1\/2 {2}base {2}key [0-9a-f]{16} {2}\[cached\]/);
    expect(result.stdout).toMatch(/layer 2\/2 {2}node {2}key [0-9a-f]{16} {2}\[cached\]/);
  });

  it('offline with only base stored: fails before any VM with the one input node still needs (base’s ISO is not needed)', async () => {
    const project = await projectWithStored(['base']);
    const result = await runTnbuild(
      project.dir,
      ['recipe', 'node', '--arch', 'x86_64', '--offline'],
      project.env,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/TNB202: Offline, and 1 input\(s\) are not in the cache/);
    expect(result.stderr).toContain('cometbft_0.38.17_linux_amd64.tar.gz');
    // base is stored: its ISO is not needed, so not listed.
    expect(result.stderr).not.toContain('alpine-virt');
    expect(project.qemuCalls()).toBe('');
    expect(readdirTemplates(project.dir)).toEqual([expect.stringMatching(/^base-x86_64-/)]);
  });

  it('clones node and registry templates into ~/vms as linked clones with their own scripts (times printed)', async () => {
    const project = await projectWithStored(['base', 'node']);
    const registry = await loadRecipe(join(project.dir, 'recipes'), 'registry');
    const registryLayer = planBuild(registry, 'x86_64', imageCodeVersion()).layers[1]!;
    const store = openTemplateStore({
      root: join(project.dir, 'output/templates'),
      vmsRoot: join(project.dir, 'home/vms'),
    });
    await storeBlank(store, registry, registryLayer);
    for (const name of ['node', 'registry']) {
      const result = await runTnbuild(project.dir, [
        'vm',
        'create',
        name,
        '--arch',
        'x86_64',
        '--accel',
        'tcg',
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      const ms = Number(/in (\d+) ms/.exec(result.stdout)?.[1]);
      expect(result.stdout, result.stderr).toMatch(/created trustnet-/);
      expect(ms).toBeGreaterThan(0);
      console.log(`vm create ${name}: ${ms} ms`);
      const vm = join(project.dir, 'home/vms', `trustnet-${name}`);
      for (const file of [
        'disk.qcow2',
        'seed.iso',
        `start-trustnet-${name}.sh`,
        `stop-trustnet-${name}.sh`,
        'vm.json',
        'known_hosts',
      ]) {
        expect(existsSync(join(vm, file)), file).toBe(true);
      }
    }
    const again = await runTnbuild(project.dir, [
      'vm',
      'create',
      'node',
      '--arch',
      'x86_64',
      '--accel',
      'tcg',
    ]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/TNB502/);
    const list = await runTnbuild(project.dir, ['vm', 'list']);
    expect(list.stdout).toMatch(/trustnet-node\s+stopped .*fd10:1234::1\/64\s+ssh 127\.0\.0\.1:2222→22/);
    expect(list.stdout).toMatch(/trustnet-registry\s+stopped .*fd10:1234::2\/64/);
  });
});

function readdirTemplates(dir: string): string[] {
  return readdirSync(join(dir, 'output/templates')).filter((name) => !name.startsWith('.'));
}
