import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pickFreePort } from '../../builders/free-port.ts';
import { createRecipeProject, runTnbuild } from '../helpers/recipe-project.ts';
import { type StaticServer, serveFolder } from '../release/helpers/static-server.ts';

// doctor asks each host the recipes download from whether it answers, and says what will fail when one does not.

let server: StaticServer | undefined;
afterAll(async () => {
  await server?.close();
});

describe('tnbuild doctor and the download hosts', () => {
  it('marks a host that answers ok and one that does not unreachable, with what needs it (exit 1)', async () => {
    const root = createRecipeProject({});
    mkdirSync(join(root, 'www'));
    server = await serveFolder(join(root, 'www'));
    const closed = await pickFreePort(0);
    const sha = `sha256:${'a'.repeat(64)}`;
    const dir = createRecipeProject({
      'recipes/base.ts': `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'alpine', release: '3.22' },
  arch: ['x86_64'],
  source: { type: 'iso', iso: { url: '${server.origin}alpine.iso', checksum: '${sha}' }, installer: { type: 'alpine' } },
  ports: [{ name: 'ssh', guest: 22, host: 2221 }],
  steps: [{ type: 'download', artifact: { url: 'http://127.0.0.1:${closed}/app.tar.gz', checksum: '${sha}' }, dest: '/opt' }],
});
`,
    });
    const result = await runTnbuild(dir, ['doctor', '--json']);
    const body = JSON.parse(result.stdout) as { ok: boolean; checks: Record<string, unknown>[] };
    expect(body.checks).toContainEqual(
      expect.objectContaining({ name: `download host ${server.origin.replace(/\/$/, '')}`, status: 'ok' }),
    );
    expect(body.checks).toContainEqual({
      name: `download host http://127.0.0.1:${closed}`,
      status: 'unreachable',
      detail: 'ECONNREFUSED',
      neededBy: ['base: steps[0] (x86_64)'],
    });
    expect(body.ok).toBe(false);
    expect(result.exitCode).toBe(1);

    const text = await runTnbuild(dir, ['doctor']);
    expect(text.stdout).toContain('doctor: the tools are here, but some downloads will fail');
    expect(text.stdout).toMatch(
      new RegExp(
        `unreach download host http://127\\.0\\.0\\.1:${closed}  ECONNREFUSED\\n +needed by base: steps\\[0\\] \\(x86_64\\)`,
      ),
    );
  });
});
