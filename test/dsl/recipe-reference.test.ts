import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRecipeReference } from '../../dsl/reference/generate-recipe-reference.ts';
import { REPO } from '../helpers/recipe-project.ts';

describe('docs/recipe-reference.md', () => {
  it('is what the schema and the helpers say now (run `npm run docs:reference` after changing them)', async () => {
    const committed = readFileSync(join(REPO, 'docs', 'recipe-reference.md'), 'utf8');
    const current = `${await generateRecipeReference()}\n`;
    expect(current === committed, 'docs/recipe-reference.md is stale: run `npm run docs:reference`').toBe(
      true,
    );
    // Every top-level field and every helper has its entry.
    for (const field of [
      'source',
      'os',
      'arch',
      'machine',
      'vars',
      'secrets',
      'packages',
      'users',
      'steps',
      'checks',
      'seal',
      'vm',
    ]) {
      expect(committed).toContain(`| \`${field}\``);
    }
    for (const helper of [
      'file',
      'directory',
      'template',
      'service',
      'download',
      'shell',
      'packages',
      'user',
    ]) {
      expect(committed).toContain(`### \`${helper}\``);
    }
  }, 60_000);
});
