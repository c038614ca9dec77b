import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineRecipe, download, file, type RecipeInput, shell } from '../../dsl/index.ts';
import { REPO } from '../helpers/recipe-project.ts';

describe('defineRecipe', () => {
  it('is an identity function typed from the schema input', () => {
    const recipe = { source: { type: 'parent', recipe: 'base' } } as const;
    expect(defineRecipe(recipe)).toBe(recipe);
    expectTypeOf(defineRecipe).parameter(0).toEqualTypeOf<RecipeInput>();
  });

  it('accepts what a recipe may say and rejects the rest at compile time (tsc checks this file)', () => {
    defineRecipe({
      source: { type: 'parent', recipe: 'base' },
      machine: { cpus: 4, memory: '8G', disk: { bytes: 2 ** 30 } },
      steps: [
        shell('true', { creates: '/tmp/x' }),
        file('/etc/motd', { content: 'hi' }),
        download({ url: 'https://x.test/a.tgz', checksum: `sha256:${'0'.repeat(64)}` }, '/opt', {
          extract: 'tar.gz',
        }),
      ],
    });
    // @ts-expect-error cpus is a number
    defineRecipe({ source: { type: 'parent', recipe: 'base' }, machine: { cpus: '4' } });
    // @ts-expect-error unknown source type
    defineRecipe({ source: { type: 'docker', recipe: 'base' } });
    // @ts-expect-error a shell step needs `run`
    defineRecipe({ source: { type: 'parent', recipe: 'base' }, steps: [{ type: 'shell' }] });
  });

  it('the recipe entry point has no runtime imports beyond its own small files', () => {
    // Every `import … from` / `export … from`, over several lines too, that is not `import type` / `export type`.
    const runtimeImports = (file: string) =>
      [
        ...readFileSync(join(REPO, 'dsl', file), 'utf8').matchAll(
          /^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms,
        ),
      ]
        .filter((match) => !match[2])
        .map((match) => match[3]);
    expect(runtimeImports('index.ts').sort()).toEqual(['./define-recipe.ts', './helpers.ts', './size.ts']);
    for (const file of ['define-recipe.ts', 'helpers.ts', 'size.ts'])
      expect(runtimeImports(file)).toEqual([]);
  });
});
