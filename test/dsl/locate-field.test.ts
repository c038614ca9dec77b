import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { locateField } from '../../dsl/locate-field.ts';

/** The line:column of `marker`'s first character in `text`, 1-based. */
function positionOf(text: string, marker: string): string {
  const lines = text.slice(0, text.indexOf(marker)).split('\n');
  return `${lines.length}:${lines.at(-1)!.length + 1}`;
}

function locate(text: string, field: string): string | undefined {
  const source = ts.createSourceFile('recipe.ts', text, ts.ScriptTarget.Latest, true);
  const position = locateField(ts, source, field);
  return position && `${position.line}:${position.column}`;
}

describe('locateField', () => {
  const recipe = `import { defineRecipe, download } from 'tnbuild';
const port = { name: 'ssh', guest: 22, host: 2222 };
const common = { 'hostname': 'n1', ports: [port] };
export default defineRecipe({
  vm: common,
  steps: [
    download({ url: 'https://example.test/x', dest: '/x' }),
    { type: 'shell', name: 'a', run: 'true' },
  ],
  vars: { a: 1 } satisfies Record<string, number>,
});
`;

  it('follows literals, defineRecipe, helper calls, constants, quoted keys and `satisfies`', () => {
    expect(locate(recipe, 'steps[1].run')).toBe(positionOf(recipe, "run: 'true'"));
    expect(locate(recipe, 'steps[0].dest')).toBe(positionOf(recipe, "dest: '/x'"));
    expect(locate(recipe, 'vm.hostname')).toBe(positionOf(recipe, "'hostname'"));
    expect(locate(recipe, 'vm.ports[0].host')).toBe(positionOf(recipe, 'host: 2222'));
    expect(locate(recipe, 'vars.a')).toBe(positionOf(recipe, 'a: 1'));
  });

  it('stops at the deepest place it can follow: the object a missing field belongs in, the recipe itself', () => {
    expect(locate(recipe, 'steps[1].missing')).toBe(positionOf(recipe, "{ type: 'shell'"));
    expect(locate(recipe, 'steps[7]')).toBe(positionOf(recipe, 'steps: ['));
    expect(locate(recipe, '(recipe)')).toBe(positionOf(recipe, '{\n  vm: common'));
  });

  it('does not guess past a spread, where source order and index part ways', () => {
    const spread = `const extra = [];
export default { steps: [...extra, { run: 1 }] };
`;
    expect(locate(spread, 'steps[1].run')).toBe(positionOf(spread, 'steps:'));
  });

  it('gives nothing for a file without a default export', () => {
    expect(locate('export const recipe = {};\n', 'steps')).toBeUndefined();
  });
});
