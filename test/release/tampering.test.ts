import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TnbuildError } from '../../errors/index.ts';
import { sha256Of } from '../../release/hashing-counter.ts';
import { pullRelease, type ReleaseResult, releaseTemplate } from '../../release/index.ts';
import { openTemplateStore } from '../../templates/index.ts';
import { useFreshHome } from './helpers/fresh-home.ts';
import { makeKey, makeStoredTemplate, makeTempDir, storeEntries } from './helpers/release-fixtures.ts';
import { type StaticServer, serveFolder } from './helpers/static-server.ts';

let root: string;
let home: string;
let restoreHome: (() => void) | undefined;
let publisher: { key: string; pub: string };
let stranger: { key: string; pub: string };
let release: ReleaseResult;
let server: StaticServer | undefined;
let caseCount = 0;

const IMAGE = 'node-3.0.0-x86_64.qcow2.zst';
const SBOM = 'node-3.0.0-x86_64.spdx.json';

beforeAll(async () => {
  root = await makeTempDir();
  const { template } = await makeStoredTemplate(join(root, 'build-host'));
  publisher = await makeKey(root, 'publisher');
  stranger = await makeKey(root, 'stranger');
  release = await releaseTemplate({
    template,
    version: '3.0.0',
    key: publisher.key,
    outDir: join(root, 'releases'),
  });
  server = await serveFolder(join(root, 'served'));
  home = join(root, 'home');
  restoreHome = await useFreshHome(home);
}, 120_000);

afterAll(async () => {
  restoreHome?.();
  await server?.close();
  await execa('rm', ['-rf', root]);
});

/** A fresh copy of the release to spoil, served at `<origin>case-N/` too. */
async function copyOfRelease(): Promise<{ dir: string; url: string }> {
  const name = `case-${++caseCount}`;
  const dir = join(root, 'served', name);
  await cp(release.dir, dir, { recursive: true });
  return { dir, url: `${server?.origin}${name}/` };
}

async function flipByte(file: string, offset?: number): Promise<void> {
  const bytes = await readFile(file);
  const at = offset ?? Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  await writeFile(file, bytes);
}

/** Re-lists one file's new hash in SHA256SUMS, as someone swapping the image would. */
async function relist(dir: string, file: string): Promise<void> {
  const sums = await readFile(join(dir, 'SHA256SUMS'), 'utf8');
  const hash = sha256Of(await readFile(join(dir, file)));
  await writeFile(
    join(dir, 'SHA256SUMS'),
    sums.replace(new RegExp(`^[0-9a-f]{64}(  ${file.replace(/\./g, '\\.')})$`, 'm'), `${hash}$1`),
  );
}

async function cachedBlobs(): Promise<string[]> {
  return readdir(join(home, '.vms', 'cache', 'blobs', 'sha256')).catch(() => []);
}

describe.each(['dir', 'url'] as const)(
  'pullRelease from a %s refuses a tampered release and imports nothing',
  (via) => {
    let store: ReturnType<typeof openTemplateStore>;

    beforeEach(async () => {
      store = openTemplateStore({ root: join(home, `store-${caseCount + 1}`), vmsRoot: join(home, 'vms') });
    });

    async function refused(
      copy: { dir: string; url: string },
      trustedKeys = publisher.pub,
    ): Promise<TnbuildError> {
      const error = await pullRelease({
        source: via === 'dir' ? copy.dir : copy.url,
        trustedKeys,
        store,
        fetch: { retries: 0 },
      }).then(
        () => {
          throw new Error('the pull was expected to fail');
        },
        (caught: TnbuildError) => caught,
      );
      expect(await storeEntries(store)).toEqual([]);
      return error;
    }

    it('a flipped byte in the image', async () => {
      const copy = await copyOfRelease();
      await flipByte(join(copy.dir, IMAGE));
      const error = await refused(copy);
      expect(error.code).toBe('TNB600');
      expect(error.message).toContain(`${IMAGE}`);
      expect(error.message).toContain('does not match SHA256SUMS');
      // A bad download is deleted, never cached (genuine files fetched before it may be).
      expect(await cachedBlobs()).not.toContain(sha256Of(await readFile(join(copy.dir, IMAGE))));
      expect(await readdir(join(home, '.vms', 'cache', 'tmp')).catch(() => [])).toEqual([]);
    });

    it('an edited SHA256SUMS (the swapped image re-listed under its new hash)', async () => {
      const copy = await copyOfRelease();
      await flipByte(join(copy.dir, IMAGE));
      await relist(copy.dir, IMAGE);
      const error = await refused(copy);
      expect(error.code).toBe('TNB600');
      expect(error.message).toMatch(/SHA256SUMS was changed after it was signed/);
    });

    it('a release signed by another key than the trusted one (re-signed by whoever changed it)', async () => {
      const copy = await copyOfRelease();
      await flipByte(join(copy.dir, IMAGE));
      await relist(copy.dir, IMAGE);
      await rm(join(copy.dir, 'SHA256SUMS.sig'));
      await execa(
        'ssh-keygen',
        ['-Y', 'sign', '-f', stranger.key, '-n', 'tnbuild-release', join(copy.dir, 'SHA256SUMS')],
        { input: '' },
      );
      const error = await refused(copy);
      expect(error.code).toBe('TNB602');
      expect(error.message).toMatch(/signed by key SHA256:\S+, which is not among the trusted keys/);
    });

    it('a genuine release checked against the wrong trusted key, before anything but the signed list is fetched', async () => {
      const copy = await copyOfRelease();
      server?.requests.splice(0);
      const error = await refused(copy, stranger.pub);
      expect(error.code).toBe('TNB602');
      expect(error.message).toContain(release.manifest.signature.fingerprint);
      if (via === 'url')
        expect(server?.requests.map((path) => path.split('/').at(-1))).toEqual([
          'SHA256SUMS',
          'SHA256SUMS.sig',
        ]);
    });

    it('a signature made for another purpose (another ssh-keygen namespace)', async () => {
      const copy = await copyOfRelease();
      await rm(join(copy.dir, 'SHA256SUMS.sig'));
      await execa(
        'ssh-keygen',
        ['-Y', 'sign', '-f', publisher.key, '-n', 'file', join(copy.dir, 'SHA256SUMS')],
        { input: '' },
      );
      const error = await refused(copy);
      expect(error.code).toBe('TNB600');
      expect(error.message).toContain('not made for a tnbuild release');
    });

    it('a file listed in SHA256SUMS that is missing', async () => {
      const copy = await copyOfRelease();
      await rm(join(copy.dir, SBOM));
      const error = await refused(copy);
      expect(error.code).toBe('TNB600');
      expect(error.message).toContain(`the release is incomplete: ${SBOM} is listed in SHA256SUMS but`);
    });

    it('a missing signature', async () => {
      const copy = await copyOfRelease();
      await rm(join(copy.dir, 'SHA256SUMS.sig'));
      const error = await refused(copy);
      expect(error.code).toBe('TNB600');
      expect(error.message).toContain('the release is not signed');
    });

    it('a folder that is not a release (no SHA256SUMS)', async () => {
      const copy = await copyOfRelease();
      await rm(join(copy.dir, 'SHA256SUMS'));
      const error = await refused(copy);
      expect(error.code).toBe('TNB605');
    });
  },
);

describe('pullRelease with unusable trusted keys', () => {
  const store = () => openTemplateStore({ root: join(home, 'store-keys'), vmsRoot: join(home, 'vms') });

  it('names a trusted-keys file that cannot be read (TNB603)', async () => {
    await expect(
      pullRelease({ source: release.dir, trustedKeys: join(root, 'nope.pub'), store: store() }),
    ).rejects.toMatchObject({
      code: 'TNB603',
      message: expect.stringContaining('cannot read the trusted keys'),
    });
  });

  it('reports bad trusted keys before looking at the source', async () => {
    await expect(
      pullRelease({
        source: join(root, 'no-such-folder'),
        trustedKeys: join(root, 'nope.pub'),
        store: store(),
      }),
    ).rejects.toMatchObject({ code: 'TNB603' });
  });

  it('names the bad line of an allowed_signers file (TNB603)', async () => {
    const allowed = join(root, 'bad_allowed_signers');
    await writeFile(allowed, 'someone namespaces="tnbuild-release" not-a-key\n');
    await expect(
      pullRelease({ source: release.dir, trustedKeys: allowed, store: store() }),
    ).rejects.toMatchObject({
      code: 'TNB603',
      message: expect.stringContaining('line 1'),
    });
    expect(await storeEntries(store())).toEqual([]);
  });
});

describe('pullRelease offline', () => {
  it('refuses a URL (TNB202) instead of reading the signed list from anywhere but the publisher', async () => {
    await expect(
      pullRelease({ source: `${server?.origin}any/`, trustedKeys: publisher.pub, fetch: { offline: true } }),
    ).rejects.toMatchObject({ code: 'TNB202', hint: expect.stringContaining('pull from the folder') });
  });
});
