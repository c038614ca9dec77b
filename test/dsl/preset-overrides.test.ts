import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipes } from '../../dsl/load-recipes.ts';
import { driverFor } from '../../runner/build-iso-layer.ts';
import { installContext } from '../builders/helpers/install-context.ts';
import { createRecipeProject, runTnbuild, SHA, wroteNothing } from '../helpers/recipe-project.ts';

// A preset installer (script, alpine) with the recipe's own deadlines: validated as durations, shown by plan, and
// the very deadlines the install's console steps wait with.

function presetRecipe(installer: string): string {
  return `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  source: {
    type: 'iso',
    iso: { url: 'https://example.test/installer.iso', checksum: '${SHA}' },
    installer: ${installer},
  },
  ports: [{ name: 'ssh', guest: 22, host: 2231 }],
});
`;
}

const SCRIPT = `{ type: 'script', timeouts: { boot: '2m', install: '45m', reboot: '10m' }, failOn: [/Oops/] }`;

describe('a preset installer’s timeouts', () => {
  it('plan shows them; the script install waits for boot:, the install and the reboot that long', async () => {
    const dir = createRecipeProject({ 'recipes/slow.ts': presetRecipe(SCRIPT) });
    const plan = await runTnbuild(dir, ['plan', 'slow']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^ {2}timeouts +boot 2m, install 45m, reboot 10m$/m);
    expect(plan.stdout).toMatch(/^ {2}fail on +\/Oops\/$/m);

    const { recipes } = await loadRecipes(join(dir, 'recipes'));
    const recipe = recipes.get('slow')!;
    if (recipe.source.type !== 'iso') throw new Error('expected an iso source');
    const install = await driverFor(recipe.source.installer, recipe, {}).plan(installContext('x86_64'));
    expect(install.bootSteps[0]).toMatchObject({ expect: 'boot:', timeoutMs: 120_000 });
    expect(install.installSteps.at(-1)).toMatchObject({
      expect: 'tnb-install: done',
      timeoutMs: 45 * 60_000,
    });
    expect(install.rebootSteps?.[0]).toMatchObject({ timeoutMs: 10 * 60_000 });
  });

  it('the alpine preset takes them for the live login, setup-alpine and the installed system', async () => {
    const dir = createRecipeProject({
      'recipes/alp.ts': presetRecipe(
        `{ type: 'alpine', timeouts: { boot: '3m', install: '1h', reboot: '4m' } }`,
      ).replace("family: 'debian', release: '12'", "family: 'alpine', release: '3.22'"),
    });
    const { recipes } = await loadRecipes(join(dir, 'recipes'));
    const recipe = recipes.get('alp')!;
    if (recipe.source.type !== 'iso') throw new Error('expected an iso source');
    const install = await driverFor(recipe.source.installer, recipe, {}).plan(installContext('aarch64'));
    expect(install.bootSteps[0]).toMatchObject({ timeoutMs: 3 * 60_000 });
    expect(
      install.installSteps.find((step) => 'expect' in step && String(step.expect).includes('Installation')),
    ).toMatchObject({ timeoutMs: 60 * 60_000 });
    expect(install.rebootSteps?.[0]).toMatchObject({ timeoutMs: 4 * 60_000 });
  });

  it('a deadline that is not a duration, or a deadline it does not have, is refused by its field', async () => {
    const dir = createRecipeProject({
      'recipes/bad.ts': presetRecipe(`{ type: 'script', timeouts: { boot: 'soon', shutdown: '1m' } }`),
    });
    const result = await runTnbuild(dir, ['validate', '--no-typecheck']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /source\.installer\.timeouts\.boot: expected a duration such as "500ms", "30s" or "5m"/,
    );
    expect(result.stderr).toMatch(/source\.installer\.timeouts.*shutdown/);
    expect(wroteNothing(dir)).toBe(true);
  });
});
