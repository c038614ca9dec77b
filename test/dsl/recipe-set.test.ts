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
      /recipes\/monitor\.ts:\d+:\d+ › ports\[0\]\.host: host port 2222 is already forwarded by "node"/,
    );
    expect(one.stderr).not.toMatch(/recipes\/node\.ts[:\d]* ›/);
    const other = await runTnbuild(dir, ['validate', 'node', '--no-typecheck']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(
      /recipes\/node\.ts:\d+:\d+ › ports\[0\]\.host: host port 2222 is already forwarded by "monitor"/,
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
      /recipes\/registry\.ts:\d+:\d+ › vm\.name: VM name "trustnet" is already the clones' name of "node"/,
    );
  });

  it('an address off the /64 the other VMs share is a warning that says so, and still valid', async () => {
    const dir = createRecipeProject({
      'recipes/base.ts': isoRecipe(),
      'recipes/node.ts': child(
        `ports: [{ name: 'ssh', guest: 22, host: 2222 }], network: { ula: 'fd10:1234::1' },`,
      ),
      'recipes/registry.ts': child(
        `ports: [{ name: 'ssh', guest: 22, host: 2223 }], network: { ula: 'fd10:1234::2' }, vm: { name: 'r' },`,
      ),
      'recipes/monitor.ts': child(
        `ports: [{ name: 'ssh', guest: 22, host: 2224 }], network: { ula: 'fd10:1234:7::3' }, vm: { name: 'm' },`,
      ),
    });
    const warning =
      /warning recipes\/monitor\.ts:\d+:\d+ › network\.ula: fd10:1234:7::3 is outside fd10:1234::\/64, the segment "node" and "registry" use: the VMs reach it only through a router; pick an address in fd10:1234::\/64/;
    for (const argv of [['validate'], ['validate', 'monitor']]) {
      const result = await runTnbuild(dir, [...argv, '--no-typecheck']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(warning);
    }
    const other = await runTnbuild(dir, ['validate', 'node', '--no-typecheck']);
    expect(other.stdout).not.toContain('warning');
    const json = await runTnbuild(dir, ['validate', '--json', '--no-typecheck']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      warnings: [{ file: expect.stringMatching(/^recipes\/monitor\.ts:\d+:\d+$/), field: 'network.ula' }],
    });
  });
});
