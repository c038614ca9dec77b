import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../dsl/load-recipes.ts';
import { formatPlan } from '../../plan/format-plan.ts';
import { planBuild } from '../../plan/plan-build.ts';
import { REPO } from '../helpers/recipe-project.ts';

describe('planBuild', () => {
  it('plans node as base → node with every step, the ports, the ULA address and the downloads', async () => {
    const node = await loadRecipe(join(REPO, 'recipes'), 'node');
    const plan = planBuild(node, 'x86_64', 'code-v1');
    expect(plan.layers.map((layer) => layer.recipe)).toEqual(['base', 'node']);
    expect(plan.layers[1]!.source).toEqual({ type: 'parent', recipe: 'base', key: plan.layers[0]!.key });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan); // serialisable
    const text = formatPlan(plan).replaceAll(REPO, '<repo>');
    expect(text).toContain('user warden');
    expect(text).toContain('eth1 fd10:1234::1/64');
    expect(text).toContain('rpc 127.0.0.1:26657→26657');
    expect(text).toContain('cometbft_0.38.17_linux_amd64.tar.gz');
    expect(text.replace(/key [0-9a-f]{16}/g, 'key <key>')).toMatchSnapshot();
  });

  it('picks the per-arch artifact', async () => {
    const node = await loadRecipe(join(REPO, 'recipes'), 'node');
    const plan = planBuild(node, 'aarch64', 'code-v1');
    expect(plan.layers[1]!.downloads[0]!.url).toContain('linux_arm64.tar.gz');
    expect(plan.layers[0]!.downloads[0]!.checksum).toEqual({
      algorithm: 'sha256',
      file: 'https://dl-cdn.alpinelinux.org/alpine/v3.22/releases/aarch64/alpine-virt-3.22.6-aarch64.iso.sha256',
    });
  });
});
