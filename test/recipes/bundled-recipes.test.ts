import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipes } from '../../dsl/load-recipes.ts';
import type { ResolvedRecipe, ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { REPO } from '../helpers/recipe-project.ts';

// The files that reach the guest, exactly: a reviewer reads the snapshots.
function rendered(recipe: ResolvedRecipe, path: string): string {
  const step = recipe.steps.find(
    (item): item is Extract<ResolvedStep, { type: 'template' }> =>
      item.type === 'template' && item.path === path,
  );
  if (!step) throw new Error(`no template step for ${path}`);
  return step.content;
}

describe('the bundled recipes', async () => {
  const { recipes, issues } = await loadRecipes(join(REPO, 'recipes'));
  const node = recipes.get('node')!;
  const registry = recipes.get('registry')!;

  it('all validate', () => {
    expect(issues).toEqual([]);
    expect([...recipes.keys()]).toEqual(['base', 'node', 'registry']);
  });

  it('give the seed’s machine sizes, users, addresses and ports', () => {
    expect(node.machine).toEqual({ cpus: 4, memoryBytes: 8 * 2 ** 30, diskBytes: 50 * 2 ** 30 });
    expect(registry.machine).toEqual({ cpus: 2, memoryBytes: 4 * 2 ** 30, diskBytes: 30 * 2 ** 30 });
    expect(node.network?.address).toBe('fd10:1234::1');
    expect(registry.network?.address).toBe('fd10:1234::2');
    expect(node.vm.user).toBe('warden');
    expect(registry.vm.user).toBe('keeper');
    expect(node.ports.map((port) => [port.guest, port.host])).toEqual([
      [22, 2222],
      [26657, 26657],
      [26656, 26656],
    ]);
    expect(registry.ports.map((port) => [port.guest, port.host])).toEqual([
      [22, 2223],
      [8000, 8000],
    ]);
  });

  it('render CometBFT’s config.toml with RPC open, sub-second blocks and a persistent app', () => {
    const toml = rendered(node, '/home/warden/.cometbft/config/config.toml');
    expect(toml).toContain('proxy_app = "persistent_kvstore"');
    expect(toml).toContain('laddr = "tcp://0.0.0.0:26657"');
    expect(toml).toMatchSnapshot();
  });

  it('render the registry config and its nginx front with /health, unescaped', () => {
    expect(rendered(registry, '/etc/docker-registry/config.yml')).toMatchSnapshot();
    const nginx = rendered(registry, '/etc/nginx/http.d/registry.conf');
    expect(nginx).toContain('proxy_pass http://127.0.0.1:5001/debug/health;');
    expect(nginx).not.toContain('&#x3D;');
    expect(nginx).toMatchSnapshot();
  });
});
