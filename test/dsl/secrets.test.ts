import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild, wroteNothing } from '../helpers/recipe-project.ts';

// Secrets through the real CLI: declared in the recipe, read from the environment, used in a template and a step
// name; no command prints the value, and a bad or misplaced secret is refused without echoing it.
const TOKEN = 'tok-0a1b2c3d4e5f';
const env = { TNB_TEST_TOKEN: TOKEN };

function project(extra: string) {
  return createRecipeProject({
    'recipes/base.ts': isoRecipe(`  secrets: { apiToken: process.env.TNB_TEST_TOKEN as string },\n${extra}`),
    'recipes/files/app.conf.hbs': 'token = {{secrets.apiToken}}\n',
  });
}

describe('recipe secrets', () => {
  it('plan (text and JSON) shows where a secret is used, never its value', async () => {
    const token = '${process.env.TNB_TEST_TOKEN}';
    const dir = project(
      [
        '  steps: [',
        "    { type: 'template', path: '/etc/app.conf', source: 'files/app.conf.hbs' },",
        `    { type: 'shell', name: \`log in with ${token}\`, run: \`login --token ${token}\` },`,
        '  ],',
      ].join('\n'),
    );
    for (const args of [
      ['plan', 'base', '--arch', 'x86_64'],
      ['plan', 'base', '--arch', 'x86_64', '--json'],
    ]) {
      const result = await runTnbuild(dir, args, env);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      expect(result.stdout).toContain('[secret apiToken]');
    }
  });

  it('an unset secret is named, with what to do', async () => {
    const dir = project('');
    const result = await runTnbuild(dir, ['validate', '--no-typecheck'], {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /recipes\/base\.ts:\d+:\d+ › secrets\.apiToken: is not set \(if it comes from process\.env/,
    );
    expect(wroteNothing(dir)).toBe(true);
  });

  it('a secret too short to redact is refused without echoing it', async () => {
    const dir = project('');
    const result = await runTnbuild(dir, ['validate', '--no-typecheck'], { TNB_TEST_TOKEN: 'hunter' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/secrets\.apiToken: expected at least 8 characters/);
    expect(result.stderr).not.toContain('hunter');
  });

  it('a secret in vm.firstBoot (stored in the manifest and in releases) is refused', async () => {
    const dir = project('  vm: { firstBoot: [`echo ${process.env.TNB_TEST_TOKEN} > /etc/token`] },');
    const result = await runTnbuild(dir, ['validate', '--no-typecheck'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/vm\.firstBoot\[0\]: holds secrets\.apiToken/);
    expect(result.stderr).not.toContain(TOKEN);
  });
});
