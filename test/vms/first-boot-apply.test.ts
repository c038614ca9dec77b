import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';
import { firstBootFiles } from '../../templates/first-boot.ts';
import { generateHostKey } from '../../vms/host-key.ts';
import { renderSeedFiles, type SeedOptions, writeSeedDir } from '../../vms/seed.ts';
import { busyboxPath, tempDir } from '../templates/helpers.ts';

const SCRIPT = firstBootFiles('debian')[0]?.content ?? '';
const USER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKeyUserKeyUserKeyUserKeyUserKeyUserK alice@laptop';

async function put(root: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

/** A sealed template's file system: old host keys gone, warden locked by useradd's "!", the template's eth1. */
async function sealedTree(): Promise<string> {
  const root = await tempDir('firstboot-root');
  await put(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nwarden:x:1000:1000::/home/warden:/bin/sh\n');
  await put(root, 'etc/shadow', 'root:!*:20000::::::\nwarden:!:20000:0:99999:7:::\n');
  await put(root, 'etc/hostname', 'template\n');
  await put(root, 'etc/hosts', '127.0.0.1\tlocalhost\n127.0.1.1\ttemplate\n::1\tlocalhost\n');
  await put(
    root,
    'etc/network/interfaces',
    'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n\nauto eth1\niface eth1 inet6 static\n\taddress fd10:1234::9/64\n',
  );
  await mkdir(join(root, 'etc/ssh'), { recursive: true });
  await mkdir(join(root, 'home/warden'), { recursive: true });
  return root;
}

async function seedDir(
  options: Partial<SeedOptions> & { instanceId: string },
): Promise<{ dir: string; fingerprint: string }> {
  const dir = await tempDir('firstboot-seed');
  const hostKey = await generateHostKey(execaCommandRunner, dir, 'root@node-a');
  const files = renderSeedFiles({
    hostname: 'node-a',
    family: 'debian',
    user: 'warden',
    authorizedKeys: [USER_KEY],
    hostKeys: [hostKey],
    network: { interface: 'eth1', address: 'fd10:1234::1', prefix: 64 },
    firstBoot: ['echo "first boot of $(cat "$TNBUILD_ROOT/etc/hostname")" >>"$TNBUILD_ROOT/first-boot-ran"'],
    ...options,
  });
  await writeSeedDir(files, join(dir, 'seed'));
  return { dir: join(dir, 'seed'), fingerprint: hostKey.fingerprint };
}

async function runFirstBoot(shell: 'dash' | 'busybox', root: string, seed: string | undefined) {
  const env: Record<string, string> = { TNBUILD_ROOT: root, ...(seed && { TNBUILD_SEED_DIR: seed }) };
  if (shell === 'busybox') env.PATH = await busyboxPath(['ssh-keygen']);
  const args = shell === 'busybox' ? ['sh', '-c', SCRIPT] : ['-c', SCRIPT];
  return execa(shell, args, { env, extendEnv: shell !== 'busybox', reject: false });
}

describe.each(['dash', 'busybox'] as const)('tnbuild-first-boot run by %s', (shell) => {
  it('applies the seed once: hostname, host key, user key, ULA stanza, vm.firstBoot', async () => {
    const root = await sealedTree();
    const seed = await seedDir({ instanceId: 'node-a-1' });
    const result = await runFirstBoot(shell, root, seed.dir);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('tnbuild-first-boot: seed node-a-1 applied');
    expect(result.stdout).toContain('tnbuild-first-boot: network: fd10:1234::1/64 on eth1');
    const log = (await readFile(join(root, 'var/log/tnbuild-first-boot.log'), 'utf8')).trimEnd().split('\n');
    expect(log.at(0)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d applying seed node-a-1$/);
    expect(log.at(-1)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d seed node-a-1 applied$/);

    expect(await readFile(join(root, 'etc/hostname'), 'utf8')).toBe('node-a\n');
    expect(await readFile(join(root, 'etc/hosts'), 'utf8')).toBe(
      '127.0.0.1\tlocalhost\n127.0.1.1 node-a\n::1\tlocalhost\n',
    );
    const { stdout } = await execa('ssh-keygen', ['-lf', join(root, 'etc/ssh/ssh_host_ed25519_key.pub')]);
    expect(stdout).toContain(seed.fingerprint);
    expect((await stat(join(root, 'etc/ssh/ssh_host_ed25519_key'))).mode & 0o777).toBe(0o600);
    const keys = join(root, 'home/warden/.ssh/authorized_keys');
    expect(await readFile(keys, 'utf8')).toBe(`${USER_KEY}\n`);
    expect((await stat(keys)).mode & 0o777).toBe(0o600);
    expect((await stat(keys)).uid).toBe(1000);
    expect((await stat(join(root, 'home/warden/.ssh'))).mode & 0o777).toBe(0o700);
    expect(await readFile(join(root, 'etc/shadow'), 'utf8')).toBe(
      'root:!*:20000::::::\nwarden:*:20000:0:99999:7:::\n',
    );
    const interfaces = await readFile(join(root, 'etc/network/interfaces'), 'utf8');
    expect(interfaces).not.toContain('fd10:1234::9');
    expect(interfaces).toContain('auto eth0\niface eth0 inet dhcp\n');
    expect(interfaces.match(/^auto eth1$/gm)).toHaveLength(1);
    expect(interfaces).toContain('iface eth1 inet6 static\n\taddress fd10:1234::1/64\n\tdad-attempts 0\n');
    expect(await readFile(join(root, 'first-boot-ran'), 'utf8')).toBe('first boot of node-a\n');
    expect(await readFile(join(root, 'var/lib/tnbuild/instance-id'), 'utf8')).toBe('node-a-1\n');

    // Every later boot with the same seed changes nothing.
    const again = await runFirstBoot(shell, root, seed.dir);
    expect(again.stdout).toContain('seed node-a-1 already applied');
    expect(await readFile(join(root, 'first-boot-ran'), 'utf8')).toBe('first boot of node-a\n');
    expect(await readFile(keys, 'utf8')).toBe(`${USER_KEY}\n`);
  });

  it('applies a new seed (the VM was recreated) over the old one without duplicating anything', async () => {
    const root = await sealedTree();
    await runFirstBoot(shell, root, (await seedDir({ instanceId: 'node-a-1' })).dir);
    const next = await seedDir({
      instanceId: 'node-a-2',
      network: { interface: 'eth1', address: 'fd10:1234::7', prefix: 64 },
    });
    await runFirstBoot(shell, root, next.dir);
    const interfaces = await readFile(join(root, 'etc/network/interfaces'), 'utf8');
    expect(interfaces.match(/^auto eth1$/gm)).toHaveLength(1);
    expect(interfaces).toContain('address fd10:1234::7/64');
    expect(interfaces).not.toContain('fd10:1234::1/');
    expect(await readFile(join(root, 'home/warden/.ssh/authorized_keys'), 'utf8')).toBe(`${USER_KEY}\n`);
    const { stdout } = await execa('ssh-keygen', ['-lf', join(root, 'etc/ssh/ssh_host_ed25519_key.pub')]);
    expect(stdout).toContain(next.fingerprint);
  });

  it('treats seed values as data: a user or hostname that is a pattern or a command changes nothing', async () => {
    const root = await sealedTree();
    const seed = await seedDir({ instanceId: 'node-a-3', firstBoot: [] });
    // Written past the host's checks, as a tampered seed would be: "r..t" matches root as a regex, "."
    // matches any user, and a hostname with "/" and "&" breaks a sed replacement.
    await writeFile(join(seed.dir, 'tnbuild/user'), 'r..t\n');
    await writeFile(join(seed.dir, 'tnbuild/hostname'), 'x/&;reboot\n');
    await writeFile(join(seed.dir, 'tnbuild/network/interface'), '.*\n');
    const before = await Promise.all(
      ['etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/hostname', 'etc/network/interfaces'].map((file) =>
        readFile(join(root, file), 'utf8'),
      ),
    );
    const result = await runFirstBoot(shell, root, seed.dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('the seed user is not a valid user name');
    expect(result.stdout).toContain('the seed hostname is not a valid host name');
    expect(result.stdout).toContain('the seed interface is not an interface name');
    const after = await Promise.all(
      ['etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/hostname', 'etc/network/interfaces'].map((file) =>
        readFile(join(root, file), 'utf8'),
      ),
    );
    expect(after).toEqual(before);
  });

  it('matches the user by name, not by pattern: a name ending in $ still gets its key', async () => {
    const root = await sealedTree();
    await writeFile(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nwarden$:x:1000:1000::/home/warden:/bin/sh\n',
    );
    await writeFile(join(root, 'etc/shadow'), 'root:!*:20000::::::\nwarden$:!:20000:0:99999:7:::\n');
    const seed = await seedDir({ instanceId: 'node-a-4', user: 'warden$', firstBoot: [] });
    const result = await runFirstBoot(shell, root, seed.dir);
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(root, 'etc/shadow'), 'utf8')).toBe(
      'root:!*:20000::::::\nwarden$:*:20000:0:99999:7:::\n',
    );
    expect(await readFile(join(root, 'home/warden/.ssh/authorized_keys'), 'utf8')).toBe(`${USER_KEY}\n`);
  });

  it('without a seed only makes sure SSH host keys exist', async () => {
    const root = await sealedTree();
    const result = await runFirstBoot(shell, root, undefined);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('no cidata seed attached');
    expect(existsSync(join(root, 'etc/ssh/ssh_host_ed25519_key'))).toBe(true);
    expect(await readFile(join(root, 'etc/hostname'), 'utf8')).toBe('template\n');
  });
});
