import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTemplates } from '../../templates/find-template.ts';
import { gcTemplates, removeTemplate } from '../../templates/remove-template.ts';
import { destroyVm } from '../../vms/destroy-vm.ts';
import { createTestVm, newSandbox } from '../vms/helpers.ts';
import { commitBlankTemplate, keyOf } from './helpers.ts';

describe('removeTemplate and gcTemplates', () => {
  it('refuses to remove a template a clone was made from (TNB501), and removes it once the clone is gone', async () => {
    const sandbox = await newSandbox();
    await createTestVm(sandbox, 'trustnet-node');
    await expect(removeTemplate(sandbox.store, sandbox.template.name)).rejects.toMatchObject({
      code: 'TNB501',
      message: `template ${sandbox.template.name} is used by VM trustnet-node`,
    });
    expect(existsSync(sandbox.template.disk)).toBe(true);
    await destroyVm('trustnet-node', { vmsRoot: sandbox.vmsRoot });
    expect((await removeTemplate(sandbox.store, sandbox.template.key.slice(0, 12))).key).toBe(
      sandbox.template.key,
    );
    expect(existsSync(sandbox.template.dir)).toBe(false);
  });

  it('collects old, unused templates; keeps the ones in use, the current ones and the newest per recipe', async () => {
    const sandbox = await newSandbox();
    const store = sandbox.store;
    const old1 = await commitBlankTemplate(store, 'node', {
      key: keyOf('node v1'),
      builtAt: new Date('2026-01-01'),
    });
    const old2 = await commitBlankTemplate(store, 'node', {
      key: keyOf('node v2'),
      builtAt: new Date('2026-02-01'),
    });
    const newest = await commitBlankTemplate(store, 'node', {
      key: keyOf('node v3'),
      builtAt: new Date('2027-01-01'),
    });
    const pinned = await commitBlankTemplate(store, 'registry', {
      key: keyOf('registry v1'),
      builtAt: new Date('2026-01-01'),
    });
    const registry = await commitBlankTemplate(store, 'registry', {
      key: keyOf('registry v2'),
      builtAt: new Date('2027-01-01'),
    });
    await createTestVm(sandbox, 'uses-old', { template: old1 });
    // What a killed commit leaves (pid 999999 is not running) and a directory that is not a template.
    await mkdir(join(store.root, '.tmp-node-x86_64-000000000000-999999-abcdef'));
    await mkdir(join(store.root, 'node-x86_64-deadbeef0000'));

    const dry = await gcTemplates(store, { keep: [pinned.key], dryRun: true });
    expect(dry.removed.map((template) => template.key)).toEqual([sandbox.template.key, old2.key]);
    expect(await listTemplates(store)).toHaveLength(6);

    const report = await gcTemplates(store, { keep: [pinned.key] });
    expect(report.removed.map((template) => template.key)).toEqual([sandbox.template.key, old2.key]);
    expect(Object.fromEntries(report.kept.map((entry) => [entry.template.key, entry.reason]))).toEqual({
      [newest.key]: 'newest',
      [old1.key]: 'used by uses-old',
      [registry.key]: 'newest',
      [pinned.key]: 'current',
    });
    expect([...report.debris].sort()).toEqual([
      '.tmp-node-x86_64-000000000000-999999-abcdef',
      'node-x86_64-deadbeef0000',
    ]);
    expect((await readdir(store.root)).sort()).toEqual(
      [newest.name, old1.name, pinned.name, registry.name].sort(),
    );
  });
});
