import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTemplateStore } from '../../templates/index.ts';
import { createRecipeProject, isoRecipe, runTnbuild } from '../helpers/recipe-project.ts';
import { commitBlankTemplate } from '../templates/helpers.ts';

// What a newcomer meets first, through the real CLI: help that lists what a command does, errors that say what to
// type instead, and suggestions that work in the state they are in.

describe('help', () => {
  it.each([
    ['vm', ['create <recipe>', 'start <name>', 'ssh <name> [-- command…]', 'destroy <name>', 'list']],
    ['templates', ['list', 'rm <name|key>', 'gc [--dry-run]']],
    ['cache', ['list', 'verify', 'prune [--older-than days] [--keep n]']],
  ])('tnbuild %s --help describes the command and lists its actions', async (command, actions) => {
    const dir = createRecipeProject({});
    const result = await runTnbuild(dir, [command, '--help']);
    expect(result.exitCode).toBe(0);
    const [first] = result.stdout.split('\n');
    expect(first).toMatch(/^tnbuild \d+\.\d+\.\d+: \S/);
    expect(result.stdout).toContain('Actions:');
    for (const action of actions) {
      expect(result.stdout).toMatch(
        new RegExp(`\\$ tnbuild ${command} ${action.replace(/[[\]|.*]/g, '\\$&')} +\\S`),
      );
    }
  });

  it('tnbuild --help mentions --version', async () => {
    const result = await runTnbuild(createRecipeProject({}), ['--help']);
    expect(result.stdout).toMatch(/--version +Print tnbuild’s version/);
  });

  it('a command without its action, or with a near miss, lists the actions (exit 2)', async () => {
    const dir = createRecipeProject({});
    const none = await runTnbuild(dir, ['vm']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/TNB110: tnbuild vm needs an action\n.*\$ tnbuild vm create <recipe>/);
    expect(none.stderr).not.toContain('missing required args');
    const typo = await runTnbuild(dir, ['vm', 'strat', 'x']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('unknown vm action "strat" — did you mean "start"?');
    const command = await runTnbuild(dir, ['templats', 'list']);
    expect(command.exitCode).toBe(2);
    expect(command.stderr).toContain('unknown command "templats" — did you mean "templates"?');
  });
});

describe('bad flags and places', () => {
  it('cache prune --older-than and --keep take whole numbers', async () => {
    const dir = createRecipeProject({});
    for (const args of [
      ['--older-than', 'abc'],
      ['--keep', '2.5'],
    ]) {
      const result = await runTnbuild(dir, ['cache', 'prune', ...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`${args[0]} must be a whole number, got "${args[1]}"`);
    }
  });

  it('a --mirror folder that does not exist is an error, not silently skipped', async () => {
    const dir = createRecipeProject({ 'recipes/base.ts': isoRecipe() });
    const result = await runTnbuild(dir, [
      'fetch',
      'base',
      '--arch',
      'x86_64',
      '--mirror',
      join(dir, 'nope'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`--mirror ${join(dir, 'nope')} is not a folder`);
  });

  it('templates list outside a project says so instead of reporting an empty store', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tnbuild-elsewhere-'));
    const result = await runTnbuild(elsewhere, ['templates', 'list']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/does not exist \(run tnbuild inside your project, or pass --output DIR\)/);
  });

  it('templates gc says when there was nothing to remove', async () => {
    const dir = createRecipeProject({ 'recipes/base.ts': isoRecipe() });
    const result = await runTnbuild(dir, ['templates', 'gc']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^nothing to remove in .*output\/templates$/);
  });
});

describe('suggestions that work in the state the user is in', () => {
  it('vm list with nothing built suggests building; with a template stored, creating a clone of it', async () => {
    const dir = createRecipeProject({ 'recipes/base.ts': isoRecipe() });
    const empty = await runTnbuild(dir, ['vm', 'list']);
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toContain('no VMs and no templates yet; build one with `tnbuild recipe <name>`');
    expect(empty.stdout).not.toContain('vm create');

    await commitBlankTemplate(openTemplateStore({ root: join(dir, 'output', 'templates') }), 'registry');
    const stored = await runTnbuild(dir, ['vm', 'list']);
    expect(stored.stdout).toContain(
      'no VMs; create one from a stored template: `tnbuild vm create registry`',
    );
  });
});

describe('where a problem is', () => {
  it('a misspelt field is one problem, at file:line:column of the field as written', async () => {
    const recipe = isoRecipe(`  steps: [
    { type: 'shell', name: 'ok', run: 'true' },
    { type: 'shell', name: 'typo', runn: 'true' },
  ],`);
    const line = recipe.split('\n').findIndex((text) => text.includes('runn')) + 1;
    const column = recipe.split('\n')[line - 1]!.indexOf('runn') + 1;
    const dir = createRecipeProject({ 'recipes/base.ts': recipe });

    const result = await runTnbuild(dir, ['validate', '--json']);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout).issues).toEqual([
      {
        file: `recipes/base.ts:${line}:${column}`,
        field: 'steps[1].runn',
        message: 'unknown field "runn" — did you mean "run"?',
      },
    ]);
    const text = await runTnbuild(dir, ['validate']);
    expect(text.stderr).toContain('1 problem in recipes/base.ts\n');
    expect(text.stderr).toContain(`recipes/base.ts:${line}:${column} › steps[1].runn: unknown field "runn"`);
  });

  it('a missing field points at the object it belongs in', async () => {
    const recipe = isoRecipe(`  steps: [{ type: 'shell', name: 'nothing to run' }],`);
    const line = recipe.split('\n').findIndex((text) => text.includes('nothing to run')) + 1;
    const dir = createRecipeProject({ 'recipes/base.ts': recipe });
    const result = await runTnbuild(dir, ['validate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `recipes/base.ts:${line}:11 › steps[0].run: is required (expected string)`,
    );
  });
});
