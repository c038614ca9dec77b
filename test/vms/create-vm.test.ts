import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { commitTemplate } from '../../templates/commit-template.ts';
import { readQcow2Header } from '../../templates/qcow2-header.ts';
import { removeReadOnlyDir } from '../../templates/template-store.ts';
import { baseDiskPath } from '../../vms/vm-paths.ts';
import { commitBlankTemplate, keyOf, makeQcow2, sampleInput, tempDir } from '../templates/helpers.ts';
import { createTestVm, newSandbox, type Sandbox } from './helpers.ts';

async function qemuImgCheck(disk: string): Promise<void> {
  await execa('qemu-img', ['check', '-q', disk]);
}

/** Files and scripts with the sandbox's random parts replaced, so a snapshot shows the shape. */
function normalise(text: string, sandbox: Sandbox, extra: Record<string, string> = {}): string {
  let out = text.replaceAll(sandbox.dir, '<sandbox>');
  for (const [from, to] of Object.entries(extra)) out = out.replaceAll(from, to);
  return out;
}

describe('createVm', () => {
  it('makes a linked clone backed by a stable, read-only copy of the template (time printed; the goal lives in the bench)', async () => {
    const sandbox = await newSandbox();
    const { record, paths, elapsedMs } = await createTestVm(sandbox, 'trustnet-node');
    console.info(`linked clone created in ${elapsedMs.toFixed(0)} ms`);

    const base = baseDiskPath(sandbox.vmsRoot, sandbox.template);
    expect(await readQcow2Header(paths.disk)).toEqual({ virtualSize: 64 * 1024 ** 2, backingFile: base });
    expect(base.startsWith('/')).toBe(true);
    expect(base.startsWith(sandbox.store.root)).toBe(false);
    expect((await stat(base)).mode & 0o777).toBe(0o400);
    expect(record.disk).toEqual({ mode: 'linked', backingFile: base });
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect((await readdir(paths.dir)).sort()).toEqual([
      'disk.qcow2',
      'host-keys',
      'known_hosts',
      'seed.iso',
      'start-trustnet-node.sh',
      'stop-trustnet-node.sh',
      'vm.json',
    ]);
    expect(await readFile(paths.knownHosts, 'utf8')).toBe(`trustnet-node ${record.hostKey.publicKey}\n`);
    expect(record.hostKey.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const { stdout } = await execa('ssh-keygen', ['-lf', join(paths.hostKeyDir, 'ssh_host_ed25519_key.pub')]);
    expect(stdout).toContain(record.hostKey.fingerprint);
    await qemuImgCheck(paths.disk);
  });

  it('keeps working when output/ is cleaned and when the template is rebuilt under a new key', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'node-a');
    await removeReadOnlyDir(sandbox.store.root);
    expect(existsSync(sandbox.template.disk)).toBe(false);
    await qemuImgCheck(paths.disk);
    await execa('qemu-img', ['info', '--backing-chain', paths.disk]);

    const rebuilt = await commitBlankTemplate(sandbox.store, 'node', { key: keyOf('node v2') });
    const second = await createTestVm(sandbox, 'node-b', { template: rebuilt });
    expect((await readQcow2Header(second.paths.disk)).backingFile).toBe(
      baseDiskPath(sandbox.vmsRoot, rebuilt),
    );
    expect((await readQcow2Header(paths.disk)).backingFile).toBe(
      baseDiskPath(sandbox.vmsRoot, sandbox.template),
    );
    await qemuImgCheck(paths.disk);
  });

  it('gives clones made after a forced rebuild (same key) the new disk, and keeps the old one for older clones', async () => {
    const sandbox = await newSandbox();
    const old = await createTestVm(sandbox, 'old-clone');
    const disk = join(await tempDir('disk'), 'disk.qcow2');
    await makeQcow2(disk, '32M');
    const input = sampleInput(disk, { key: sandbox.template.key, builtAt: new Date('2026-11-26T00:00:00Z') });
    const rebuilt = await commitTemplate(sandbox.store, input, { replace: true });
    expect(rebuilt.key).toBe(sandbox.template.key);
    const fresh = await createTestVm(sandbox, 'new-clone', { template: rebuilt });
    expect(await readQcow2Header(fresh.paths.disk)).toEqual({
      virtualSize: 32 * 1024 ** 2,
      backingFile: baseDiskPath(sandbox.vmsRoot, rebuilt),
    });
    expect((await readQcow2Header(old.paths.disk)).backingFile).toBe(
      baseDiskPath(sandbox.vmsRoot, sandbox.template),
    );
    await qemuImgCheck(old.paths.disk);
  });

  it('makes an independent copy with full: no backing file', async () => {
    const sandbox = await newSandbox();
    const { record, paths } = await createTestVm(sandbox, 'full-copy', { full: true });
    expect(await readQcow2Header(paths.disk)).toEqual({ virtualSize: 64 * 1024 ** 2 });
    expect(record.disk).toEqual({ mode: 'full', backingFile: null });
    expect(existsSync(join(sandbox.vmsRoot, '.base'))).toBe(false);
    await removeReadOnlyDir(sandbox.store.root);
    await qemuImgCheck(paths.disk);
  });

  it('never overwrites an existing VM without force, and replaces it (new identity, fresh disk) with force', async () => {
    const sandbox = await newSandbox();
    const first = await createTestVm(sandbox, 'node');
    await execa('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', first.paths.disk]);
    await expect(createTestVm(sandbox, 'node')).rejects.toMatchObject({ code: 'TNB502' });
    const { stdout } = await execa('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 0 1M', first.paths.disk]);
    expect(stdout).toMatch(/read 1048576\/1048576/);

    const second = await createTestVm(sandbox, 'node', { force: true });
    expect(second.record.instanceId).not.toBe(first.record.instanceId);
    expect(second.record.hostKey.fingerprint).not.toBe(first.record.hostKey.fingerprint);
    const fresh = await execa('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0 0 1M', second.paths.disk]);
    expect(fresh.stdout).toMatch(/read 1048576\/1048576/);
    expect((await readdir(sandbox.vmsRoot)).sort()).toEqual(['.base', 'node']);
  });

  it('gives each VM its own MAC on the shared segment and refuses a ULA another VM has (TNB508)', async () => {
    const sandbox = await newSandbox();
    const a = await createTestVm(sandbox, 'node-a', { ula: { address: 'fd10:1234::1' } });
    const b = await createTestVm(sandbox, 'node-b', { ula: { address: 'fd10:1234::2' } });
    expect(a.record.network.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(a.record.network.mac).not.toBe(b.record.network.mac);
    expect(a.record.network).toMatchObject({
      mcast: '230.0.0.1:1234',
      interface: 'eth1',
      address: 'fd10:1234::1',
      prefix: 64,
    });
    await expect(createTestVm(sandbox, 'node-c', { ula: { address: 'fd10:1234::2' } })).rejects.toMatchObject(
      { code: 'TNB508' },
    );
    expect(existsSync(join(sandbox.vmsRoot, 'node-c'))).toBe(false);
  });

  it('writes the start and stop scripts and vm.json shown in the snapshots', async () => {
    const sandbox = await newSandbox();
    const { record, paths } = await createTestVm(sandbox, 'trustnet-node', {
      ula: { address: 'fd10:1234::1' },
      ports: [
        { name: 'ssh', guest: 22, host: 2222 },
        { name: 'rpc', guest: 26657, host: 26657 },
      ],
    });
    const extra = {
      [record.hostKey.publicKey.split(' ')[1] ?? '']: '<host key>',
      [record.hostKey.fingerprint]: '<fingerprint>',
      [record.instanceId]: '<instance-id>',
      [record.createdAt]: '<created>',
      [sandbox.template.key]: '<template key>',
      [sandbox.template.key.slice(0, 12)]: '<key12>',
    };
    const start = normalise(await readFile(paths.startScript, 'utf8'), sandbox, extra);
    expect(start).toContain('hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:26657-:26657');
    expect(start).toContain(`-netdev socket,id=net1,mcast=230.0.0.1:1234,localaddr=127.0.0.1`);
    expect(start).toContain(`-device virtio-net-pci,netdev=net1,mac=${record.network.mac}`);
    await expect(start).toMatchFileSnapshot('./__snapshots__/start-trustnet-node.sh');
    await expect(normalise(await readFile(paths.stopScript, 'utf8'), sandbox)).toMatchFileSnapshot(
      './__snapshots__/stop-trustnet-node.sh',
    );
    await expect(normalise(await readFile(paths.record, 'utf8'), sandbox, extra)).toMatchFileSnapshot(
      './__snapshots__/vm.json',
    );
  });
});
