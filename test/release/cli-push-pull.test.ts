import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTemplates, openTemplateStore } from '../../templates/index.ts';
import { startRegistry, type TestRegistry } from '../helpers/oci-registry.ts';
import { runTnbuild } from '../helpers/recipe-project.ts';
import { makeKey, makeStoredTemplate, makeTempDir } from './helpers/release-fixtures.ts';

// `tnbuild push` and `tnbuild pull` through the real CLI and a real registry on 127.0.0.1.

let root: string;
let key: { key: string; pub: string };
let registry: TestRegistry;

beforeAll(async () => {
  root = await makeTempDir();
  await makeStoredTemplate(root);
  key = await makeKey(root, 'publisher');
  registry = await startRegistry();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await execa('rm', ['-rf', root]);
});

describe('tnbuild push / pull with a registry', () => {
  it('releases and pushes a recipe’s template, then only the manifest; another machine pulls it by digest', async () => {
    const target = `${registry.address}/trustnet/node:1.0.0`;
    const args = ['push', 'node', target, '--key', key.key, '--plain-http', '--output', join(root, 'output')];
    const first = await runTnbuild(root, args);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `pushed ${join(root, 'output', 'releases', 'node-1.0.0-x86_64')} to ${target}`,
    );
    const pinned = /^ {2}(\S+@sha256:[a-f0-9]{64})$/m.exec(first.stdout)?.[1];
    expect(pinned).toBeDefined();

    const second = await runTnbuild(root, args);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain(`  ${pinned}`);
    expect(second.stdout).toContain('0 B sent; 5 of 5 files were there already');

    const elsewhere = join(root, 'elsewhere');
    const pulled = await runTnbuild(
      root,
      ['pull', pinned!, '--trusted-keys', key.pub, '--plain-http', '--output', join(elsewhere, 'output')],
      { HOME: join(elsewhere, 'home') },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain(`node 1.0.0 (x86_64) from ${pinned}`);
    expect(pulled.stdout).toContain('imported as template node-x86_64-abababababab');
    expect(
      await listTemplates(openTemplateStore({ root: join(elsewhere, 'output', 'templates') })),
    ).toHaveLength(1);

    // templates list says where each came from.
    const there = await runTnbuild(root, ['templates', 'list', '--output', join(elsewhere, 'output')]);
    expect(there.stdout).toContain(`pulled from ${pinned} (node 1.0.0)`);
    const json = await runTnbuild(root, [
      'templates',
      'list',
      '--json',
      '--output',
      join(elsewhere, 'output'),
    ]);
    expect(JSON.parse(json.stdout).templates[0].pulledFrom).toBe(pinned);
    const here = await runTnbuild(root, ['templates', 'list', '--output', join(root, 'output')]);
    expect(here.stdout).toMatch(/^node-x86_64-abababababab .* built here$/m);
  });

  it('a bad reference, or a tag-less push, is a usage error that shows the form', async () => {
    for (const [reference, message] of [
      [`${registry.address}/Trustnet/node:1`, 'the repository is lower-case'],
      [`${registry.address}/trustnet/node:-x`, 'a tag is 1–128'],
      [`${registry.address}/trustnet/node`, 'push needs a tag'],
    ] as const) {
      const result = await runTnbuild(root, [
        'push',
        'node',
        reference,
        '--key',
        key.key,
        '--output',
        join(root, 'output'),
      ]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});
