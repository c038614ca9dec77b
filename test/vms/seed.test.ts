import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';
import { renderSeedFiles, type SeedOptions, writeSeedIso } from '../../vms/seed.ts';
import { tempDir } from '../templates/helpers.ts';

const HOST_KEY = {
  name: 'ssh_host_ed25519_key',
  privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n(private key)\n-----END OPENSSH PRIVATE KEY-----\n',
  publicKey:
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKeyHost root@trustnet-node',
};

function seedOptions(family: 'alpine' | 'debian'): SeedOptions {
  return {
    instanceId: 'trustnet-node-0123456789ab',
    hostname: 'trustnet-node',
    family,
    user: 'warden',
    authorizedKeys: [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKeyUserKeyUserKeyUserKeyUserKeyUserK alice@laptop',
    ],
    hostKeys: [HOST_KEY],
    network: { interface: 'eth1', address: 'fd10:1234::1', prefix: 64 },
    firstBoot: [
      'rm -rf /home/warden/.cometbft/data',
      "su warden -s /bin/sh -c 'cometbft init --home /home/warden/.cometbft'",
    ],
    recipe: 'node',
  };
}

/** Every file of a seed as one text, for a snapshot a reviewer can read. */
function dump(family: 'alpine' | 'debian'): string {
  return renderSeedFiles(seedOptions(family))
    .map((file) => `=== ${file.path} (${file.mode.toString(8)})\n${file.content}`)
    .join('\n');
}

describe('the cidata seed', () => {
  it.each(['alpine', 'debian'] as const)('holds this %s clone’s identity (snapshot)', async (family) => {
    await expect(dump(family)).toMatchFileSnapshot(`./__snapshots__/seed-${family}.txt`);
  });

  it('leaves out the network and first-boot files when the clone has neither', () => {
    const paths = renderSeedFiles({ ...seedOptions('debian'), network: undefined, firstBoot: [] }).map(
      (file) => file.path,
    );
    expect(paths).toEqual([
      'meta-data',
      'user-data',
      'tnbuild/hostname',
      'tnbuild/user',
      'tnbuild/authorized_keys',
      'tnbuild/ssh/ssh_host_ed25519_key',
      'tnbuild/ssh/ssh_host_ed25519_key.pub',
    ]);
  });

  it('is an ISO 9660 volume labelled cidata holding exactly those files', async () => {
    const dir = await tempDir('seed');
    const iso = join(dir, 'seed.iso');
    const files = renderSeedFiles(seedOptions('debian'));
    await writeSeedIso(execaCommandRunner, files, iso);
    const { stdout: probe } = await execa('blkid', ['-p', '-o', 'export', iso]);
    expect(probe).toMatch(/^TYPE=iso9660$/m);
    expect(probe).toMatch(/^LABEL=cidata$/m);
    await execa('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', join(dir, 'out')], {
      stderr: 'ignore',
    });
    for (const file of files) expect(await readFile(join(dir, 'out', file.path), 'utf8')).toBe(file.content);
  });
});
