import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild } from '../helpers/recipe-project.ts';

// validate's TypeScript check: cached by content, so an unchanged project is checked once; and one mistake is
// reported once (the schema's field line, not also TypeScript's dump of the whole recipe type).

const cacheEntries = (dir: string) => readdirSync(join(dir, 'home', '.cache', 'tnbuild', 'typecheck'));

describe('tnbuild validate', () => {
  it('checks types once per content: a second run reuses the verdict, a change is checked again', async () => {
    const dir = createRecipeProject({ 'recipes/base.ts': isoRecipe() });
    const first = await runTnbuild(dir, ['validate']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(cacheEntries(dir)).toHaveLength(1);
    const again = await runTnbuild(dir, ['validate']);
    expect(again.exitCode).toBe(0);
    expect(cacheEntries(dir)).toHaveLength(1);

    const typeError = isoRecipe().replace(
      'export default',
      "const retries: number = 'three';\nexport default",
    );
    writeFileSync(join(dir, 'recipes', 'base.ts'), typeError);
    const changed = await runTnbuild(dir, ['validate']);
    expect(changed.exitCode).toBe(2);
    expect(changed.stderr).toMatch(
      /recipes\/base\.ts:2:7 › TS2322: Type 'string' is not assignable to type 'number'/,
    );
    expect(cacheEntries(dir)).toHaveLength(2);
  });

  it('reports a wrong value once, by the schema at its line and column, not again by TypeScript there', async () => {
    const recipe = isoRecipe(`  machine: { cpus: '4' },`);
    const line = recipe.split('\n').findIndex((text) => text.includes("cpus: '4'")) + 1;
    const dir = createRecipeProject({ 'recipes/base.ts': recipe });
    const result = await runTnbuild(dir, ['validate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error TNB103: 1 problem in recipes/base.ts');
    expect(result.stderr).toContain(`recipes/base.ts:${line}:14 › machine.cpus: expected number, got "4"`);
    expect(result.stderr).not.toContain('TS2322');
  });

  it('reports a missing field once, by the schema, without the type dump', async () => {
    const dir = createRecipeProject({
      'recipes/base.ts': `import { defineRecipe } from 'tnbuild';
export default defineRecipe({ os: { family: 'alpine', release: '3.22' }, ports: [{ name: 'ssh', guest: 22, host: 2221 }] });
`,
    });
    const result = await runTnbuild(dir, ['validate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error TNB103: 1 problem in recipes/base.ts');
    expect(result.stderr).toMatch(/recipes\/base\.ts:\d+:\d+ › source: is required/);
    expect(result.stderr).not.toContain('is not assignable to parameter');
  });
});
