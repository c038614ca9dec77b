import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFileWithSize } from '../../release/hashing-counter.ts';
import { pullRelease, type ReleaseResult, releaseTemplate } from '../../release/index.ts';
import type { ReleaseProgressEvent } from '../../release/release-progress.ts';
import { listTemplates, openTemplateStore, type Template } from '../../templates/index.ts';
import { cacheBlobPath, useFreshHome } from './helpers/fresh-home.ts';
import { makeKey, makeStoredTemplate, makeTempDir, storeEntries } from './helpers/release-fixtures.ts';
import { type StaticServer, serveFolder } from './helpers/static-server.ts';

let root: string;
let home: string;
let restoreHome: () => void;
let template: Template;
let key: { key: string; pub: string };
let release: ReleaseResult;
let server: StaticServer;

beforeAll(async () => {
  root = await makeTempDir();
  ({ template } = await makeStoredTemplate(join(root, 'build-host')));
  key = await makeKey(root, 'publisher');
  release = await releaseTemplate({
    template,
    version: '2.1.0',
    key: key.key,
    outDir: join(root, 'releases'),
  });
  server = await serveFolder(join(root, 'releases'));
  home = join(root, 'home');
  restoreHome = await useFreshHome(home);
}, 120_000);

afterAll(async () => {
  restoreHome?.();
  await server?.close();
  await execa('rm', ['-rf', root]);
});

function emptyStore(name: string) {
  return openTemplateStore({ root: join(home, name, 'templates'), vmsRoot: join(home, 'vms') });
}

/** The pulled template is the released one: same manifest (the store measures its own disk usage) and same disk. */
async function expectSameTemplate(pulled: Template, from: string, version = '2.1.0'): Promise<void> {
  const { disk: pulledDisk, origin, ...pulledRest } = pulled.manifest;
  // The store also records where the template came from.
  expect(origin).toEqual({
    pulledFrom: from,
    release: `node ${version}`,
    signer: release.manifest.signature.fingerprint,
  });
  const { disk: originalDisk, ...originalRest } = template.manifest;
  expect(pulledRest).toEqual(originalRest);
  expect(pulledDisk.virtualSize).toBe(originalDisk.virtualSize);
  expect(pulled.name).toBe(template.name);
  expect(await hashFileWithSize(pulled.disk)).toEqual(await hashFileWithSize(template.disk));
  await execa('qemu-img', ['check', '-q', pulled.disk]);
}

describe('pullRelease', () => {
  it('imports a release folder into an empty store, trusting a .pub file', async () => {
    const store = emptyStore('from-dir');
    const result = await pullRelease({ source: release.dir, trustedKeys: key.pub, store });
    expect(result.alreadyStored).toBe(false);
    expect(result.signer.principal).toBe('publisher');
    expect(result.signer.fingerprint).toBe(release.manifest.signature.fingerprint);
    expect(result.release).toEqual(release.manifest);
    expect(result.from).toBe(release.dir);
    await expectSameTemplate(result.template, release.dir);
    expect((await listTemplates(store)).map((entry) => entry.name)).toEqual(['node-x86_64-abababababab']);
    // The store's rules hold for a pulled template too: read-only, no scratch folder left.
    expect((await stat(result.template.disk)).mode & 0o777).toBe(0o400);
    expect(await storeEntries(store)).toEqual(['node-x86_64-abababababab']);
  });

  it('leaves a template already stored under the key alone', async () => {
    const store = emptyStore('from-dir');
    const result = await pullRelease({ source: release.dir, trustedKeys: key.pub, store });
    expect(result.alreadyStored).toBe(true);
  });

  it('pulls by URL through the download cache under HOME, checking the signature before fetching anything else', async () => {
    const store = emptyStore('from-url');
    const allowed = join(root, 'allowed_signers');
    const publicKey = (await readFile(key.pub, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await execa('sh', [
      '-c',
      `echo 'releases@example.org namespaces="tnbuild-release" ${publicKey}' > '${allowed}'`,
    ]);
    const events: ReleaseProgressEvent[] = [];
    server.requests.length = 0;
    const result = await pullRelease({
      source: `${server.origin}node-2.1.0-x86_64/`,
      trustedKeys: allowed,
      store,
      onProgress: (event) => events.push(event),
      fetch: { retries: 0 },
    });
    expect(result.signer.principal).toBe('releases@example.org');
    await expectSameTemplate(result.template, result.from);
    expect(result.from).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/node-2\.1\.0-x86_64\/$/);
    expect(server.requests.slice(0, 2)).toEqual([
      '/node-2.1.0-x86_64/SHA256SUMS',
      '/node-2.1.0-x86_64/SHA256SUMS.sig',
    ]);
    expect(server.requests.slice(2).sort()).toEqual([
      '/node-2.1.0-x86_64/manifest.json',
      '/node-2.1.0-x86_64/node-2.1.0-x86_64.qcow2.zst',
      '/node-2.1.0-x86_64/node-2.1.0-x86_64.spdx.json',
    ]);
    await stat(cacheBlobPath(home, release.manifest.image.sha256));
    expect(
      events
        .filter((event) => event.stage === 'download' && event.done)
        .map((event) => event.fileName)
        .sort(),
    ).toEqual(['manifest.json', 'node-2.1.0-x86_64.qcow2.zst', 'node-2.1.0-x86_64.spdx.json']);
    expect(events.filter((event) => event.stage === 'unpack').at(-1)).toMatchObject({
      done: true,
      received: release.manifest.image.size,
    });
  });

  it('serves a second pull by URL from the cache: only the signed list is fetched again', async () => {
    server.requests.length = 0;
    const result = await pullRelease({
      source: `${server.origin}node-2.1.0-x86_64/SHA256SUMS`,
      trustedKeys: (await readFile(key.pub, 'utf8')).trim(),
      store: emptyStore('from-cache'),
    });
    expect(result.alreadyStored).toBe(false);
    expect(server.requests).toEqual(['/node-2.1.0-x86_64/SHA256SUMS', '/node-2.1.0-x86_64/SHA256SUMS.sig']);
  });

  it('imports xz and qcow2-internal releases; the qcow2 one is stored as the compressed image itself', async () => {
    for (const compression of ['xz', 'qcow2'] as const) {
      const other = await releaseTemplate({
        template,
        version: `2.1.0-${compression}`,
        key: key.key,
        compression,
        outDir: join(root, 'releases'),
      });
      const result = await pullRelease({
        source: other.dir,
        trustedKeys: key.pub,
        store: emptyStore(`from-${compression}`),
      });
      if (compression === 'xz') {
        await expectSameTemplate(result.template, other.dir, '2.1.0-xz');
      } else {
        expect(result.template.manifest.disk.compressed).toBe(true);
        expect((await hashFileWithSize(result.template.disk)).sha256).toBe(other.manifest.image.sha256);
        await execa('qemu-img', ['check', '-q', result.template.disk]);
      }
    }
  });

  it('gives a template a clone can be made from: a qcow2 overlay on the pulled disk reads through to it', async () => {
    const [pulled] = await listTemplates(emptyStore('from-dir'));
    if (!pulled) throw new Error('the folder pull left no template');
    const overlay = join(root, 'clone.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', pulled.disk, '-F', 'qcow2', overlay]);
    await execa('qemu-img', ['compare', '-q', pulled.disk, overlay]);
  });
});
