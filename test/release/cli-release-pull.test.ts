import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GlobalOptions } from '../../cli/global-options.ts';
import { pull } from '../../cli/pull.ts';
import { release } from '../../cli/release.ts';
import { listTemplates, openTemplateStore } from '../../templates/index.ts';
import { useFreshHome } from './helpers/fresh-home.ts';
import { makeKey, makeStoredTemplate, makeTempDir } from './helpers/release-fixtures.ts';

let root: string;
let key: { key: string; pub: string };
let restoreHome: (() => void) | undefined;

function globals(output: string): GlobalOptions {
  return { recipes: 'recipes', output, arch: 'x86_64', verbose: false };
}

beforeAll(async () => {
  root = await makeTempDir();
  await makeStoredTemplate(root);
  key = await makeKey(root, 'publisher');
  restoreHome = await useFreshHome(join(root, 'home'));
}, 60_000);

afterAll(async () => {
  restoreHome?.();
  await execa('rm', ['-rf', root]);
});

describe('tnbuild release / tnbuild pull (the command functions)', () => {
  it('releases the newest template of a recipe, versioned by its key when no --version is given', async () => {
    const lines = await release('node', { ...globals(join(root, 'output')), key: key.key });
    expect(await readdir(join(root, 'output', 'releases'))).toEqual(['node-abababababab-x86_64']);
    expect(lines[0]).toMatch(/^released node-x86_64-abababababab as .*node-abababababab-x86_64$/);
    expect(lines.join('\n')).toContain('<identity> namespaces="tnbuild-release" ssh-ed25519 ');
  });

  it('pulls that release into another output folder with --trusted-keys', async () => {
    const output = join(root, 'elsewhere');
    const lines = await pull(join(root, 'output', 'releases', 'node-abababababab-x86_64'), {
      ...globals(output),
      trustedKeys: key.pub,
    });
    expect(lines[1]).toMatch(/signed by publisher \(SHA256:.+\); every file matches SHA256SUMS/);
    expect(lines[2]).toContain('imported as template node-x86_64-abababababab');
    expect(await listTemplates(openTemplateStore({ root: join(output, 'templates') }))).toHaveLength(1);
  });

  it('asks for the things it cannot guess', async () => {
    const saved = process.env.TNBUILD_RELEASE_KEY;
    delete process.env.TNBUILD_RELEASE_KEY;
    await expect(release('node', globals(join(root, 'output')))).rejects.toMatchObject({ code: 'TNB601' });
    process.env.TNBUILD_RELEASE_KEY = saved;
    if (saved === undefined) delete process.env.TNBUILD_RELEASE_KEY;
    await expect(
      release('node', { ...globals(join(root, 'output')), key: key.key, compression: 'bz2' }),
    ).rejects.toMatchObject({
      code: 'TNB110',
    });
    await expect(
      release('nothing-like-it', { ...globals(join(root, 'output')), key: key.key }),
    ).rejects.toMatchObject({ code: 'TNB500' });
    await expect(pull(join(root, 'output', 'releases'), globals(join(root, 'x')))).rejects.toMatchObject({
      code: 'TNB603',
      message: expect.stringContaining('no trusted keys given'),
    });
  });
});
