import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { publicKeyBlob, renderSealScript } from '../../templates/seal-script.ts';
import { busyboxPath, tempDir } from './helpers.ts';

const BUILD_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyBuildKeyBuildKeyBuildKeyBuildKey tnbuild-build';
const USER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKeyUserKeyUserKeyUserKeyUserKeyUserK alice@laptop';

async function put(root: string, path: string, content = 'x\n'): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

/** A guest's file system as provisioning leaves it: keys, ids, caches, logs, history, leases. */
async function provisionedTree(family: 'alpine' | 'debian'): Promise<string> {
  const root = await tempDir(`seal-${family}`);
  for (const type of ['ed25519', 'rsa', 'ecdsa']) {
    await put(root, `etc/ssh/ssh_host_${type}_key`);
    await put(root, `etc/ssh/ssh_host_${type}_key.pub`);
  }
  await put(root, 'etc/ssh/sshd_config', 'PasswordAuthentication no\n');
  await put(root, 'root/.ssh/authorized_keys', `${USER_KEY}\nfrom="10.0.2.2" ${BUILD_KEY}\n`);
  // Another user's keys, even the build key, are that user's business: seal leaves every other ~/.ssh alone.
  await put(root, 'home/warden/.ssh/authorized_keys', `${BUILD_KEY}\n`);
  await put(root, 'home/warden/.ash_history', 'ls\n');
  await put(root, 'home/warden/notes.txt', 'keep me\n');
  await put(root, 'etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  await put(root, 'var/lib/dbus/machine-id', '0123456789abcdef0123456789abcdef\n');
  await put(root, 'var/log/messages', 'boot noise\n');
  await put(root, 'var/log/messages.1', 'older noise\n');
  await put(root, 'var/log/nginx/access.log.2.gz', 'zz');
  await put(root, 'root/.bash_history', 'cat secret\n');
  await put(root, 'root/.ash_history', 'cat secret\n');
  await put(root, 'tmp/build-scratch/file');
  await put(root, 'tmp/.hidden');
  await put(root, 'var/tmp/x');
  await put(root, 'var/lib/tnbuild/instance-id', 'build\n');
  await put(root, 'etc/shadow', 'root::20000:0:::::\nwarden:!:20000:0:99999:7:::\n');
  await put(root, 'var/lib/seedrng/seed.credit', 'random');
  await put(root, 'var/lib/systemd/random-seed', 'random');
  if (family === 'alpine') {
    await put(root, 'var/cache/apk/APKINDEX.0123.tar.gz');
    await put(root, 'var/lib/dhcpcd/eth0.lease');
    await put(root, 'var/lib/udhcpc/eth0');
  } else {
    await put(root, 'var/cache/apt/pkgcache.bin');
    await put(root, 'var/cache/apt/archives/sudo_1.9.13_amd64.deb');
    await put(root, 'var/lib/apt/lists/mirror.example_debian_dists_bookworm_InRelease');
    await put(root, 'var/lib/dhcp/dhclient.eth0.leases');
    await put(root, 'var/log/journal/abc/system.journal');
  }
  return root;
}

async function sealTree(family: 'alpine' | 'debian', shell: 'dash' | 'busybox'): Promise<string> {
  const root = await provisionedTree(family);
  const script = renderSealScript({ family, buildKey: BUILD_KEY, lockRoot: true, zeroFreeSpace: true, root });
  const env = shell === 'busybox' ? { PATH: await busyboxPath() } : {};
  const result = await execa(
    shell === 'busybox' ? 'busybox' : 'dash',
    ['sh', '-c', script].slice(shell === 'busybox' ? 0 : 1),
    {
      env,
      reject: false,
    },
  );
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('tnbuild-seal: sealed');
  return root;
}

describe('renderSealScript', () => {
  it.each(['alpine', 'debian'] as const)('is the %s seal script in the snapshot', async (family) => {
    const script = renderSealScript({ family, buildKey: BUILD_KEY, lockRoot: true, zeroFreeSpace: true });
    await expect(script).toMatchFileSnapshot(`./__snapshots__/seal-${family}.sh`);
  });

  it('leaves out root locking, zeroing and poweroff when asked', () => {
    const script = renderSealScript({
      family: 'alpine',
      buildKey: BUILD_KEY,
      lockRoot: false,
      zeroFreeSpace: false,
      powerOff: false,
    });
    expect(script).not.toMatch(/passwd|fstrim|zero|poweroff/);
  });

  it.each([
    ['alpine', 'busybox'],
    ['debian', 'dash'],
  ] as const)('seals a %s tree (run by %s): exactly what must go, nothing else', async (family, shell) => {
    const root = await sealTree(family, shell);
    const gone = [
      'etc/ssh/ssh_host_ed25519_key',
      'etc/ssh/ssh_host_rsa_key.pub',
      'var/log/messages.1',
      'var/log/nginx/access.log.2.gz',
      'root/.bash_history',
      'root/.ash_history',
      'home/warden/.ash_history',
      'tmp/build-scratch',
      'tmp/.hidden',
      'var/tmp/x',
      'var/lib/tnbuild',
      'var/lib/seedrng/seed.credit',
      'var/lib/systemd/random-seed',
      ...(family === 'alpine'
        ? ['var/cache/apk/APKINDEX.0123.tar.gz', 'var/lib/dhcpcd/eth0.lease', 'var/lib/udhcpc/eth0']
        : [
            'var/cache/apt/pkgcache.bin',
            'var/cache/apt/archives/sudo_1.9.13_amd64.deb',
            'var/lib/apt/lists/mirror.example_debian_dists_bookworm_InRelease',
            'var/lib/dhcp/dhclient.eth0.leases',
            'var/log/journal/abc',
          ]),
    ];
    for (const path of gone) expect(existsSync(join(root, path)), path).toBe(false);

    expect(await readFile(join(root, 'root/.ssh/authorized_keys'), 'utf8')).toBe(`${USER_KEY}\n`);
    expect(await readFile(join(root, 'home/warden/.ssh/authorized_keys'), 'utf8')).toBe(`${BUILD_KEY}\n`);
    expect(await readFile(join(root, 'home/warden/notes.txt'), 'utf8')).toBe('keep me\n');
    expect(await readFile(join(root, 'etc/ssh/sshd_config'), 'utf8')).toBe('PasswordAuthentication no\n');
    expect(await readFile(join(root, 'etc/machine-id'), 'utf8')).toBe('');
    expect(await readFile(join(root, 'var/lib/dbus/machine-id'), 'utf8')).toBe('');
    expect(await readFile(join(root, 'var/log/messages'), 'utf8')).toBe('');
    expect(await readFile(join(root, 'etc/shadow'), 'utf8')).toBe(
      'root:*:20000:0:::::\nwarden:!:20000:0:99999:7:::\n',
    );
    expect(existsSync(join(root, 'tmp'))).toBe(true);
    // Nothing runs its stop action after the seal (a seed saved on the way down would ship in every clone).
    expect((await readFile(join(root, '.tnbuild-seal-actions'), 'utf8')).trim().split('\n')).toEqual([
      'passwd -l root >/dev/null',
      'fstrim /',
      ...(family === 'alpine'
        ? [
            'for s in seedrng urandom; do rc-service -q "$s" zap 2>/dev/null || true; done',
            "nohup sh -c 'sleep 1; poweroff' </dev/null >/dev/null 2>&1 &",
          ]
        : ["nohup sh -c 'sleep 1; systemctl poweroff --force || poweroff' </dev/null >/dev/null 2>&1 &"]),
    ]);
  });

  it.each([
    ['an empty password', 'root::20000:0:::::\n', 'root:*:20000:0:::::\n'],
    ['a password hash', 'root:$6$salt$hash:20000:0:::::\n', 'root:$6$salt$hash:20000:0:::::\n'],
    ['a locked password', 'root:!:20000:0:::::\n', 'root:!:20000:0:::::\n'],
  ])('with lockRoot false, leaves root no password login: %s', async (_what, before, after) => {
    const root = await tempDir('seal-root-password');
    await put(root, 'etc/shadow', before);
    const script = renderSealScript({
      family: 'alpine',
      buildKey: BUILD_KEY,
      lockRoot: false,
      zeroFreeSpace: false,
      powerOff: false,
      root,
    });
    const result = await execa('busybox', ['sh', '-c', script], { env: { PATH: await busyboxPath() } });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(root, 'etc/shadow'), 'utf8')).toBe(after);
  });

  it('removes authorized_keys when the build key was its only line', async () => {
    const root = await tempDir('seal-only-key');
    await put(root, 'root/.ssh/authorized_keys', `${BUILD_KEY}\n`);
    const script = renderSealScript({
      family: 'debian',
      buildKey: BUILD_KEY,
      lockRoot: false,
      zeroFreeSpace: false,
      powerOff: false,
      root,
    });
    await execa('dash', ['-c', script]);
    expect(existsSync(join(root, 'root/.ssh/authorized_keys'))).toBe(false);
    expect(existsSync(join(root, 'root/.ssh'))).toBe(true);
  });
});

describe('publicKeyBlob', () => {
  it('finds the key blob behind options and before the comment', () => {
    expect(publicKeyBlob(`from="10.0.2.2",no-pty ${BUILD_KEY}`)).toBe(BUILD_KEY.split(' ')[1]);
  });

  it('refuses a line that is not a public key', () => {
    expect(() => publicKeyBlob('hello world')).toThrow(/not an SSH public key line/);
    expect(() => publicKeyBlob("ssh-ed25519 AAAA'; rm -rf / #")).toThrow(/not an SSH public key line/);
  });
});
