import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild } from '../helpers/recipe-project.ts';

// Host ports, ULA addresses and VM names are shared by every VM running at once: a clash is found whatever
// recipes are named, and blamed on the one being validated.

const child = (extra: string) => `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  source: { type: 'parent', recipe: 'base' },
  ${extra}
});
`;

describe('clashes between recipes', () => {
  it('validate <one recipe> finds its clash with a recipe not named, and blames the one named', async () => {
    const dir = createRecipeProject({
      'recipes/base.ts': isoRecipe(),
      'recipes/node.ts': child(`ports: [{ name: 'ssh', guest: 22, host: 2222 }],`),
      'recipes/monitor.ts': child(`ports: [{ name: 'ssh', guest: 22, host: 2222 }],`),
    });
    const one = await runTnbuild(dir, ['validate', 'monitor', '--no-typecheck']);
    expect(one.exitCode).toBe(2);
    expect(one.stderr).toMatch(
      /recipes\/monitor\.ts › ports\[0\]\.host: host port 2222 is already forwarded by "node"/,
    );
    expect(one.stderr).not.toMatch(/recipes\/node\.ts ›/);
    const other = await runTnbuild(dir, ['validate', 'node', '--no-typecheck']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(
      /recipes\/node\.ts › ports\[0\]\.host: host port 2222 is already forwarded by "monitor"/,
    );
  });

  it('two recipes whose clones would share a VM name', async () => {
    const dir = createRecipeProject({
      'recipes/base.ts': isoRecipe(),
      'recipes/node.ts': child(`ports: [{ name: 'ssh', guest: 22, host: 2222 }], vm: { name: 'trustnet' },`),
      'recipes/registry.ts': child(
        `ports: [{ name: 'ssh', guest: 22, host: 2223 }], vm: { name: 'trustnet' },`,
      ),
    });
    const result = await runTnbuild(dir, ['validate', '--no-typecheck']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /recipes\/registry\.ts › vm\.name: VM name "trustnet" is already the clones' name of "node"/,
    );
  });
});
