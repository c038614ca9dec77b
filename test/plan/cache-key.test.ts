import { cpSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../dsl/load-recipes.ts';
import { computeCacheKey } from '../../plan/cache-key.ts';
import { canonicalJson } from '../../plan/canonical-json.ts';
import { imageCodeVersion } from '../../plan/image-code-version.ts';
import { createRecipeProject, REPO } from '../helpers/recipe-project.ts';

const CODE = 'code-v1';

function bundledProject(): string {
  const dir = createRecipeProject({});
  cpSync(join(REPO, 'recipes'), join(dir, 'recipes'), { recursive: true });
  return dir;
}

async function keys(dir: string, code = CODE) {
  const node = await loadRecipe(join(dir, 'recipes'), 'node');
  const registry = await loadRecipe(join(dir, 'recipes'), 'registry');
  const base = node.source.type === 'parent' ? node.source.parent : node;
  return {
    base: computeCacheKey(base, 'x86_64', code),
    node: computeCacheKey(node, 'x86_64', code),
    registry: computeCacheKey(registry, 'x86_64', code),
  };
}

function edit(dir: string, file: string, from: string | RegExp, to: string) {
  const path = join(dir, 'recipes', file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  expect(next).not.toBe(text);
  writeFileSync(path, next);
}

describe('cache key', () => {
  it('is the same for the same inputs, wherever the project lives', async () => {
    const [a, b] = [bundledProject(), bundledProject()];
    expect(await keys(a)).toEqual(await keys(b));
    expect((await keys(a)).node).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs per architecture', async () => {
    const node = await loadRecipe(join(bundledProject(), 'recipes'), 'node');
    expect(computeCacheKey(node, 'x86_64', CODE)).not.toBe(computeCacheKey(node, 'aarch64', CODE));
  });

  it('changes for the child only when only the child changes', async () => {
    const dir = bundledProject();
    const before = await keys(dir);
    edit(dir, 'files/cometbft-config.toml.hbs', 'log_level = "info"', 'log_level = "debug"');
    const after = await keys(dir);
    expect(after.base).toBe(before.base);
    expect(after.registry).toBe(before.registry);
    expect(after.node).not.toBe(before.node);
  });

  it('changes for every layer when the parent changes (a file it uploads)', async () => {
    const dir = bundledProject();
    const before = await keys(dir);
    writeFileSync(join(dir, 'recipes/files/sshd-key-only.conf'), 'PasswordAuthentication no\n');
    const after = await keys(dir);
    expect(after.base).not.toBe(before.base);
    expect(after.node).not.toBe(before.node);
    expect(after.registry).not.toBe(before.registry);
  });

  it('changes with a template variable, a pinned checksum, or the image-shaping code', async () => {
    const dir = bundledProject();
    const before = await keys(dir);
    edit(dir, 'node.ts', "timeoutCommit: '300ms'", "timeoutCommit: '400ms'");
    const afterVar = await keys(dir);
    expect(afterVar.node).not.toBe(before.node);
    edit(dir, 'node.ts', 'ca4d7ca0df296e092462edc92a3f07a4cd1e6c0366516e382a0726b522806f38', 'b'.repeat(64));
    expect((await keys(dir)).node).not.toBe(afterVar.node);
    expect((await keys(dir, 'code-v2')).base).not.toBe(before.base);
  });

  it('changes with an installer failure marker, as text even when it is a RegExp', async () => {
    const dir = bundledProject();
    const before = await keys(dir);
    edit(dir, 'base.ts', "installer: { type: 'alpine'", "installer: { type: 'alpine', failOn: [/disk full/]");
    const one = await keys(dir);
    expect(one.base).not.toBe(before.base);
    edit(dir, 'base.ts', 'failOn: [/disk full/]', 'failOn: [/disk gone/]');
    const two = await keys(dir);
    expect(two.base).not.toBe(one.base);
    // The string that spells the pattern is another marker (matched literally), so another key.
    edit(dir, 'base.ts', 'failOn: [/disk gone/]', "failOn: ['/disk gone/']");
    expect((await keys(dir)).base).not.toBe(two.base);
    expect(canonicalJson({ failOn: [/x/i] })).toBe('{"failOn":[{"regexp":"/x/i"}]}');
  });

  it('ignores what does not shape the image: step labels, memory size', async () => {
    const dir = bundledProject();
    const before = await keys(dir);
    edit(dir, 'node.ts', "name: 'initialise the validator as warden'", "name: 'cometbft init'");
    edit(dir, 'node.ts', "memory: '8G'", "memory: '6G'");
    expect(await keys(dir)).toEqual(before);
  });

  it('hashes the code that shapes images, not the rest', () => {
    const version = imageCodeVersion();
    expect(version).toMatch(/^[0-9a-f]{64}$/);
    expect(imageCodeVersion()).toBe(version);
  });
});
