import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild } from '../helpers/recipe-project.ts';
import { createTestVm, newSandbox } from '../vms/helpers.ts';

// `--json`: stdout is one JSON document (format 1) whose fields are documented in the README; people's lines stay
// as they are without it.

async function json(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = await runTnbuild(dir, [...args, '--json'], env);
  return { ...result, body: JSON.parse(result.stdout) as Record<string, unknown> };
}

describe('--json', () => {
  it('vm list and vm status give each VM as data', async () => {
    const sandbox = await newSandbox('json-vms');
    await createTestVm(sandbox, 'node-a');
    const env = { TNBUILD_VMS_DIR: sandbox.vmsRoot };
    const list = await json(sandbox.dir, ['vm', 'list'], env);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.body).toMatchObject({
      format: 1,
      vms: [
        {
          name: 'node-a',
          state: 'stopped',
          ports: [{ name: 'ssh', guest: 22 }],
          templateKey: sandbox.template.key,
        },
      ],
    });
    const status = await json(sandbox.dir, ['vm', 'status', 'node-a'], env);
    expect(status.body).toMatchObject({ format: 1, vm: { name: 'node-a', state: 'stopped' } });
  });

  it('templates list gives the store and each template', async () => {
    const sandbox = await newSandbox('json-templates');
    const result = await json(sandbox.dir, ['templates', 'list']);
    expect(result.body).toEqual({
      format: 1,
      store: sandbox.store.root,
      templates: [
        {
          name: sandbox.template.name,
          key: sandbox.template.key,
          recipe: 'node',
          arch: 'x86_64',
          parentKey: sandbox.template.manifest.parentKey,
          builtAt: sandbox.template.manifest.builtAt,
          virtualSize: sandbox.template.manifest.disk.virtualSize,
          actualSize: sandbox.template.manifest.disk.actualSize,
          pulledFrom: null,
          dir: sandbox.template.dir,
        },
      ],
    });
  });

  it('cache list gives the cache folder, its entries and total', async () => {
    const dir = createRecipeProject({});
    const result = await json(dir, ['cache', 'list']);
    expect(result.body).toMatchObject({ format: 1, entries: [], partials: [], totalBytes: 0 });
    expect(String(result.body.cacheDir)).toMatch(/home\/\.vms\/cache$/);
  });

  it('validate gives every recipe, or every issue with its file and field (exit 2)', async () => {
    const good = await json(createRecipeProject({ 'recipes/base.ts': isoRecipe() }), [
      'validate',
      '--no-typecheck',
    ]);
    expect(good.exitCode).toBe(0);
    expect(good.body).toMatchObject({
      format: 1,
      ok: true,
      recipes: [{ name: 'base', parent: null, arches: ['x86_64'] }],
      issues: [],
    });
    const bad = await json(createRecipeProject({ 'recipes/base.ts': isoRecipe(`  packages: ['-x'],`) }), [
      'validate',
      '--no-typecheck',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.body).toMatchObject({
      ok: false,
      issues: [
        {
          file: expect.stringMatching(/^recipes\/base\.ts:\d+:\d+$/),
          field: 'packages[0]',
          message: expect.stringContaining('package name'),
        },
      ],
    });
  });

  it('doctor gives each check with its status', async () => {
    const result = await json(createRecipeProject({}), ['doctor']);
    const checks = result.body.checks as { name: string; status: string }[];
    expect(checks).toContainEqual(expect.objectContaining({ name: 'qemu-img', status: 'ok' }));
    expect(checks.every((check) => ['ok', 'missing', 'low', 'note'].includes(check.status))).toBe(true);
    expect(result.body.ok).toBe(result.exitCode === 0);
  });
});
