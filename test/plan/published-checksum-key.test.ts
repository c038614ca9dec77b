import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecipe } from '../../dsl/load-recipes.ts';
import { pinPublishedChecksums } from '../../plan/pin-published-checksums.ts';
import { recipeInputs } from '../../templates/recipe-inputs.ts';
import { createRecipeProject, runTnbuild } from '../helpers/recipe-project.ts';
import { type StaticServer, serveFolder } from '../release/helpers/static-server.ts';

// A checksum read from a published sums file is pinned into the cache key: when upstream publishes a new file
// (and a new sums line), the key changes; the plan, and the template manifest, say which digest it was.
const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);

let server: StaticServer;
let root: string;
let dir: string;

beforeAll(async () => {
  root = createRecipeProject({});
  await mkdir(join(root, 'upstream'));
  server = await serveFolder(join(root, 'upstream'));
  dir = createRecipeProject({
    'recipes/base.ts': `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'alpine', release: '3.22' },
  arch: ['x86_64'],
  source: {
    type: 'iso',
    iso: { url: '${server.origin}alpine.iso', checksum: { file: '${server.origin}alpine.iso.sha256' } },
    installer: { type: 'alpine' },
  },
  ports: [{ name: 'ssh', guest: 22, host: 2221 }],
});
`,
  });
});
afterAll(async () => {
  await server?.close().catch(() => {});
});

async function planned(args: string[] = []) {
  const result = await runTnbuild(dir, ['plan', 'base', '--arch', 'x86_64', '--json', ...args]);
  expect(result.exitCode, result.stderr).toBe(0);
  const plan = JSON.parse(result.stdout) as {
    layers: { key: string; source: { iso: { checksum: Record<string, string> } } }[];
  };
  return { layer: plan.layers[0]!, stderr: result.stderr };
}

describe('a checksum from a published sums file', () => {
  it('is pinned into the key: a new upstream digest is a new key; offline and unreachable use the cached copy', async () => {
    await writeFile(join(root, 'upstream', 'alpine.iso.sha256'), `${D1}  alpine.iso\n`);
    const first = await planned();
    expect(first.layer.source.iso.checksum).toEqual({
      algorithm: 'sha256',
      value: D1,
      publishedIn: `${server.origin}alpine.iso.sha256`,
    });

    await writeFile(join(root, 'upstream', 'alpine.iso.sha256'), `${D2}  alpine.iso\n`);
    const second = await planned();
    expect(second.layer.source.iso.checksum.value).toBe(D2);
    expect(second.layer.key).not.toBe(first.layer.key);

    const requests = server.requests.length;
    const offline = await planned(['--offline']);
    expect(offline.layer.key).toBe(second.layer.key);
    expect(server.requests.length).toBe(requests);

    await server.close();
    const unreachable = await planned();
    expect(unreachable.layer.key).toBe(second.layer.key);
    expect(unreachable.stderr).toMatch(/alpine\.iso\.sha256 could not be read .*; using the copy cached in/);
  });

  it('is recorded in the template manifest with the sums file it came from', async () => {
    const recipe = await loadRecipe(join(dir, 'recipes'), 'base');
    const pinned = await pinPublishedChecksums(recipe, 'x86_64', async () => D2);
    expect(recipeInputs(pinned, 'x86_64')).toContainEqual({
      name: 'iso',
      url: `${server.origin}alpine.iso`,
      checksum: `sha256:${D2}`,
      checksumFile: `${server.origin}alpine.iso.sha256`,
    });
    // Without a published checksum, nothing is looked up.
    const again = await pinPublishedChecksums(pinned, 'x86_64', async () => {
      throw new Error('looked up a pinned checksum');
    });
    expect(again.source).toEqual(pinned.source);
  });
});
