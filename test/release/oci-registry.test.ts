import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeRegExp } from '../../host/escape-regexp.ts';
import { hashFileWithSize } from '../../release/hashing-counter.ts';
import {
  type PushResult,
  parseOciReference,
  pullRelease,
  pushRelease,
  type ReleaseResult,
  releaseTemplate,
} from '../../release/index.ts';
import { blobLocations } from '../../release/oci/blob-locations.ts';
import { openRegistry } from '../../release/oci/registry-client.ts';
import { openTemplateStore, type Template } from '../../templates/index.ts';
import { startRegistry, type TestRegistry } from '../helpers/oci-registry.ts';
import { useFreshHome } from './helpers/fresh-home.ts';
import { makeKey, makeStoredTemplate, makeTempDir, storeEntries } from './helpers/release-fixtures.ts';

// Releases through a real registry (distribution 2.8 on 127.0.0.1): the artifact stock tools read, pushes that send
// only what is missing, pulls that trust the signature and nothing the registry says.

let root: string;
let restoreHome: () => void;
let template: Template;
let key: { key: string; pub: string };
let release: ReleaseResult;
let registry: TestRegistry;
const plain = { plainHttp: true } as const;

beforeAll(async () => {
  root = await makeTempDir();
  // Larger than the 4 MiB a registry's answer may have: a HEAD of its blob announces that size and sends nothing.
  ({ template } = await makeStoredTemplate(join(root, 'build-host'), { randomMiB: 6 }));
  key = await makeKey(root, 'publisher');
  release = await releaseTemplate({
    template,
    version: '2.1.0',
    key: key.key,
    outDir: join(root, 'releases'),
  });
  restoreHome = await useFreshHome(join(root, 'home'));
  registry = await startRegistry();
}, 120_000);

afterAll(async () => {
  restoreHome?.();
  await registry?.stop();
  await execa('rm', ['-rf', root]);
});

const ref = (text: string) => parseOciReference(`${registry.address}/${text}`);
const store = (name: string) =>
  openTemplateStore({ root: join(root, 'home', name, 'templates'), vmsRoot: join(root, 'home', 'vms') });

function getBlob(repository: string, digest: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://${registry.address}/v2/${repository}/blobs/${digest}`, async (response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        resolve(Buffer.concat(chunks));
      })
      .on('error', reject);
  });
}

describe('push', () => {
  it('writes an artifact skopeo reads, whose blobs hash to their digests, the disk in several requests', async () => {
    const pushed = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/node:2.1.0'),
      registry: plain,
      chunkBytes: 256 * 1024,
    });
    expect(pushed.pinned).toBe(`${registry.address}/trustnet/node@${pushed.digest}`);
    expect(pushed.sentBytes).toBeGreaterThan(0);

    const raw = await execa('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.address}/trustnet/node:2.1.0`,
    ]);
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(pushed.digest);
    const manifest = JSON.parse(raw.stdout);
    expect(manifest).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.tnbuild.template.v1',
      config: { mediaType: 'application/vnd.tnbuild.release.manifest.v1+json' },
    });
    const titles = manifest.layers.map(
      (layer: { annotations: Record<string, string> }) => layer.annotations['org.opencontainers.image.title'],
    );
    expect(titles.sort()).toEqual(
      ['SHA256SUMS', 'SHA256SUMS.sig', release.manifest.image.file, release.manifest.sbom.file].sort(),
    );
    for (const blob of [manifest.config, ...manifest.layers]) {
      const bytes = await getBlob('trustnet/node', blob.digest);
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(blob.digest);
      expect(bytes.length).toBe(blob.size);
    }
    const image = manifest.layers.find((layer: { mediaType: string }) =>
      layer.mediaType.startsWith('application/vnd.tnbuild.disk.qcow2'),
    );
    const patches = registry
      .requests()
      .filter((line) => line.startsWith('PATCH /v2/trustnet/node/blobs/uploads/'));
    expect(patches.length).toBeGreaterThanOrEqual(Math.ceil(image.size / (256 * 1024)));
  });

  it('sends nothing but the manifest the second time', async () => {
    const before = registry.requests().length;
    const again = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/node:2.1.0'),
      registry: plain,
    });
    expect(again.sentBytes).toBe(0);
    expect(again.blobs.every((blob) => !blob.sent)).toBe(true);
    const requests = registry.requests().slice(before);
    expect(requests.filter((line) => !line.startsWith('HEAD '))).toEqual([
      'PUT /v2/trustnet/node/manifests/2.1.0',
    ]);
  });

  it('an interrupted push resumes: blobs already sent are not sent again', async () => {
    const target = ref('trustnet/resume:2.1.0');
    // Its own record of where blobs are, so the disk is resumed here rather than mounted from another repository.
    const cacheDir = join(root, 'resume-push-cache');
    await expect(
      pushRelease({
        dir: release.dir,
        reference: target,
        registry: plain,
        cacheDir,
        // Cut while SHA256SUMS goes up: the files it lists went before it.
        onProgress: (event) => {
          if (event.file === 'SHA256SUMS') throw new Error('cut');
        },
      }),
    ).rejects.toThrow('cut');
    const resumed = await pushRelease({ dir: release.dir, reference: target, registry: plain, cacheDir });
    const image = resumed.blobs.find((blob) => blob.file === release.manifest.image.file)!;
    expect(image.sent).toBe(false);
    expect(resumed.blobs.filter((blob) => blob.sent).map((blob) => blob.file)).toEqual([
      'SHA256SUMS',
      'SHA256SUMS.sig',
    ]);
  });

  it('mounts the disk from a repository this machine pushed it to or pulled it from; a stale record costs one request', async () => {
    const cacheDir = join(root, 'mount-cache');
    const push = (repository: string, dir = cacheDir) =>
      pushRelease({
        dir: release.dir,
        reference: ref(`${repository}:2.1.0`),
        registry: plain,
        cacheDir: dir,
      });
    const diskOf = (result: PushResult) =>
      result.blobs.find((blob) => blob.file === release.manifest.image.file)!;
    const uploadsTo = (repository: string, since: number) =>
      registry
        .responses()
        .slice(since)
        .filter(
          (line) =>
            line.startsWith(`POST /v2/${repository}/blobs/uploads/`) ||
            line.startsWith(`PATCH /v2/${repository}/`),
        );

    expect(diskOf(await push('trustnet/mount-a')).sent).toBe(true);
    let since = registry.responses().length;
    const pushedB = await push('trustnet/mount-b');
    const mounted = diskOf(pushedB);
    expect(mounted).toMatchObject({ sent: false, mounted: true });
    const query = new URLSearchParams({ mount: mounted.digest, from: 'trustnet/mount-a' });
    expect(uploadsTo('trustnet/mount-b', since).filter((line) => line.includes('mount='))).toEqual([
      expect.stringMatching(
        new RegExp(`^POST /v2/trustnet/mount-b/blobs/uploads/\\?${escapeRegExp(String(query))} 201 `),
      ),
    ]);
    // One PATCH per blob sent (each is under a chunk), none for the disk.
    const sent = pushedB.blobs.filter((blob) => blob.sent);
    expect(sent.map((blob) => blob.file)).not.toContain(release.manifest.image.file);
    expect(uploadsTo('trustnet/mount-b', since).filter((line) => line.startsWith('PATCH'))).toHaveLength(
      sent.length,
    );

    // Pulled from mount-b on a machine with no record yet: that pull is what tells the next push where the disk is.
    const pullCache = join(root, 'mount-pull-cache');
    await pullRelease({
      source: `${registry.address}/trustnet/mount-b:2.1.0`,
      registry: plain,
      trustedKeys: key.pub,
      store: store('mount-pull'),
      fetch: { cacheDir: pullCache },
    });
    expect(diskOf(await push('trustnet/mount-c', pullCache))).toMatchObject({ mounted: true });

    // A record naming a repository that never had it: one refused mount, whose upload session carries the upload.
    await blobLocations(registry.address, join(root, 'stale-cache')).remember('trustnet/never', [
      mounted.digest,
    ]);
    since = registry.responses().length;
    expect(diskOf(await push('trustnet/mount-d', join(root, 'stale-cache')))).toMatchObject({
      sent: true,
      mounted: false,
    });
    const posts = uploadsTo('trustnet/mount-d', since).filter((line) => line.startsWith('POST'));
    expect(posts.filter((line) => line.includes('from=trustnet%2Fnever'))).toHaveLength(1);
    expect(posts.filter((line) => line.includes('mount='))).toHaveLength(1);
  });

  it('refuses a digest as the target, and plain http to a registry that is not on loopback', async () => {
    await expect(
      pushRelease({
        dir: release.dir,
        reference: ref(`trustnet/node@sha256:${'a'.repeat(64)}`),
        registry: plain,
      }),
    ).rejects.toMatchObject({ code: 'TNB610' });
    const remote = await openRegistry('registry.example.org:5000', { plainHttp: true });
    await expect(remote.request('GET', '/v2/', { scope: '' })).rejects.toMatchObject({
      code: 'TNB611',
      message: expect.stringContaining('only a loopback address may be reached without TLS'),
    });
  });
});

describe('pull from a registry', () => {
  it('by tag: verifies, imports, and says which digest it was; by digest: the same template', async () => {
    const pushed = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/pull:2.1.0'),
      registry: plain,
    });
    const byTag = await pullRelease({
      source: `${registry.address}/trustnet/pull:2.1.0`,
      registry: plain,
      trustedKeys: key.pub,
      store: store('by-tag'),
    });
    expect(byTag.from).toBe(pushed.pinned);
    expect(byTag.template.name).toBe(template.name);
    expect(await hashFileWithSize(byTag.template.disk)).toEqual(await hashFileWithSize(template.disk));

    const byDigest = await pullRelease({
      source: pushed.pinned,
      registry: plain,
      trustedKeys: key.pub,
      store: store('by-digest'),
    });
    expect(byDigest.template.key).toBe(byTag.template.key);
  });

  it('an interrupted pull resumes where it stopped (a range request), and two pulls of one digest share one download', async () => {
    const pushed = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/resume-pull:2.1.0'),
      registry: plain,
    });
    const image = pushed.blobs.find((blob) => blob.file === release.manifest.image.file)!;
    const imageGets = () =>
      registry
        .responses()
        .filter((line) => line.startsWith(`GET /v2/trustnet/resume-pull/blobs/${image.digest}`));
    const cacheDir = join(root, 'resume-cache');
    const stop = new AbortController();
    await expect(
      pullRelease({
        source: pushed.pinned,
        registry: plain,
        trustedKeys: key.pub,
        store: store('resume-1'),
        fetch: { cacheDir },
        signal: stop.signal,
        onProgress: (event) => {
          if (event.stage === 'download' && event.fileName === image.file && event.received > 0) stop.abort();
        },
      }),
    ).rejects.toThrow();
    expect(imageGets()).toHaveLength(1);

    // Two pulls at once, with the same cache: the part left behind is resumed, once.
    const both = await Promise.all(
      ['resume-2', 'resume-3'].map((name) =>
        pullRelease({
          source: pushed.pinned,
          registry: plain,
          trustedKeys: key.pub,
          store: store(name),
          fetch: { cacheDir },
        }),
      ),
    );
    expect(both.map((pulled) => pulled.template.name)).toEqual([template.name, template.name]);
    const gets = imageGets();
    expect(gets).toHaveLength(2);
    expect(gets[1]).toMatch(/ 206 \d+$/);
    expect(Number(/ 206 (\d+)$/.exec(gets[1]!)?.[1])).toBeLessThan(image.size);
  });

  it('trusts nothing before the signature: another key is refused before the disk is fetched', async () => {
    const pushed = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/untrusted:2.1.0'),
      registry: plain,
    });
    const stranger = await makeKey(root, 'stranger');
    const target = store('untrusted');
    const before = registry.requests().length;
    await expect(
      pullRelease({ source: pushed.pinned, registry: plain, trustedKeys: stranger.pub, store: target }),
    ).rejects.toMatchObject({ code: 'TNB602' });
    const image = pushed.blobs.find((blob) => blob.file === release.manifest.image.file)!;
    expect(
      registry
        .requests()
        .slice(before)
        .some((line) => line.includes(image.digest)),
    ).toBe(false);
    expect(await storeEntries(target)).toEqual([]);
  });

  it('a manifest whose blob is not the one SHA256SUMS signs is refused (TNB600), a disk larger than signed (TNB606), and a foreign artifact (TNB612)', async () => {
    const pushed = await pushRelease({
      dir: release.dir,
      reference: ref('trustnet/forged:2.1.0'),
      registry: plain,
    });
    const client = await openRegistry(registry.address, plain);
    const scope = 'repository:trustnet/forged:pull,push';
    const original = await client.request('GET', `/v2/trustnet/forged/manifests/${pushed.digest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      scope,
    });
    const manifest = JSON.parse(original.body.toString('utf8'));
    // The SBOM's title on the disk's blob: a registry (or whoever controls it) swapping files.
    const sbom = manifest.layers.find((layer: { annotations: Record<string, string> }) =>
      layer.annotations['org.opencontainers.image.title']!.endsWith('.spdx.json'),
    );
    const disk = manifest.layers.find((layer: { mediaType: string }) => layer.mediaType.includes('qcow2'));
    sbom.digest = disk.digest;
    sbom.size = disk.size;
    const put = (tag: string, body: unknown) =>
      client.request('PUT', `/v2/trustnet/forged/manifests/${tag}`, {
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: Buffer.from(JSON.stringify(body)),
        scope,
      });
    expect((await put('swapped', manifest)).status).toBe(201);
    await expect(
      pullRelease({
        source: `${registry.address}/trustnet/forged:swapped`,
        registry: plain,
        trustedKeys: key.pub,
        store: store('forged'),
      }),
    ).rejects.toMatchObject({
      code: 'TNB600',
      message: expect.stringContaining('another digest than the signed SHA256SUMS'),
    });

    const oversized = JSON.parse(original.body.toString('utf8'));
    const bigDisk = oversized.layers.find((layer: { mediaType: string }) =>
      layer.mediaType.includes('qcow2'),
    );
    bigDisk.size = 200 * 1024 ** 3;
    expect((await put('oversized', oversized)).status).toBe(201);
    const before = registry.requests().length;
    await expect(
      pullRelease({
        source: `${registry.address}/trustnet/forged:oversized`,
        registry: plain,
        trustedKeys: key.pub,
        store: store('oversized'),
      }),
    ).rejects.toMatchObject({ code: 'TNB606', message: expect.stringContaining('214748364800 bytes') });
    expect(
      registry
        .requests()
        .slice(before)
        .some((line) => line.includes(bigDisk.digest)),
    ).toBe(false);

    expect(
      (await put('foreign', { ...manifest, artifactType: 'application/vnd.example.thing' })).status,
    ).toBe(201);
    await expect(
      pullRelease({
        source: `${registry.address}/trustnet/forged:foreign`,
        registry: plain,
        trustedKeys: key.pub,
        store: store('foreign'),
      }),
    ).rejects.toMatchObject({ code: 'TNB612' });
  });
});

describe('a registry with TLS from a private CA and htpasswd logins', () => {
  let secure: TestRegistry;
  const auth = { username: 'operator', password: 'correct horse battery staple' };
  beforeAll(async () => {
    secure = await startRegistry({ tls: true, auth });
  }, 60_000);
  afterAll(async () => secure?.stop());

  it('pushes and pulls with the credentials docker login stores, trusting the CA given', async () => {
    const authFile = join(root, 'auth.json');
    writeFileSync(
      authFile,
      JSON.stringify({
        auths: {
          [secure.address]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') },
        },
      }),
    );
    process.env.REGISTRY_AUTH_FILE = authFile;
    try {
      const reference = parseOciReference(`${secure.address}/trustnet/node:2.1.0`);
      const pushed = await pushRelease({ dir: release.dir, reference, registry: { ca: secure.ca! } });
      const pulled = await pullRelease({
        source: pushed.pinned,
        registry: { ca: secure.ca! },
        trustedKeys: key.pub,
        store: store('secure'),
      });
      expect(pulled.template.name).toBe(template.name);
    } finally {
      delete process.env.REGISTRY_AUTH_FILE;
    }
  });

  it('says what is wrong without a login, with a wrong password, and without the CA', async () => {
    const reference = parseOciReference(`${secure.address}/trustnet/node:2.1.0`);
    process.env.REGISTRY_AUTH_FILE = join(root, 'no-such-auth.json');
    try {
      await expect(
        pushRelease({ dir: release.dir, reference, registry: { ca: secure.ca! } }),
      ).rejects.toMatchObject({
        code: 'TNB611',
        message: expect.stringContaining('refused the credentials'),
      });
      await expect(
        pushRelease({
          dir: release.dir,
          reference,
          registry: { ca: secure.ca!, credentials: { ...auth, password: 'wrong' } },
        }),
      ).rejects.toMatchObject({
        code: 'TNB611',
        message: expect.stringContaining('refused the credentials'),
      });
      await expect(
        pushRelease({ dir: release.dir, reference, registry: { credentials: auth } }),
      ).rejects.toMatchObject({
        code: 'TNB611',
        message: expect.stringMatching(/cannot reach .*(SELF_SIGNED|UNABLE_TO_VERIFY|self.signed)/i),
      });
    } finally {
      delete process.env.REGISTRY_AUTH_FILE;
    }
  });
});

describe('a registry that hands out Bearer tokens', () => {
  let tokened: TestRegistry;
  const login = { username: 'ci', password: 'a token-service password' };
  beforeAll(async () => {
    tokened = await startRegistry({ token: login });
  }, 60_000);
  afterAll(async () => tokened?.stop());

  it('logs in at the realm with the stored credentials, for the scopes each request needs (a mount: two)', async () => {
    const reference = parseOciReference(`${tokened.address}/trustnet/node:2.1.0`);
    const cacheDir = join(root, 'tokened-cache');
    const pushed = await pushRelease({
      dir: release.dir,
      reference,
      registry: { plainHttp: true, credentials: login },
      cacheDir,
    });
    const pulled = await pullRelease({
      source: pushed.pinned,
      registry: { plainHttp: true, credentials: login },
      trustedKeys: key.pub,
      store: store('tokened'),
    });
    expect(pulled.template.name).toBe(template.name);
    // One token for the whole push, one for the pull: each asked for what it needs, not what one challenge said.
    expect(tokened.tokenRequests()).toEqual([
      { scopes: ['repository:trustnet/node:pull,push'], loggedIn: true },
      { scopes: ['repository:trustnet/node:pull'], loggedIn: true },
    ]);

    // A mount needs push on the target and pull on the source: one token carries both.
    const copy = await pushRelease({
      dir: release.dir,
      reference: parseOciReference(`${tokened.address}/trustnet/copy:2.1.0`),
      registry: { plainHttp: true, credentials: login },
      cacheDir,
    });
    expect(copy.blobs.find((blob) => blob.file === release.manifest.image.file)).toMatchObject({
      mounted: true,
    });
    expect(tokened.tokenRequests().slice(2)).toEqual([
      { scopes: ['repository:trustnet/copy:pull,push'], loggedIn: true },
      { scopes: ['repository:trustnet/copy:pull,push', 'repository:trustnet/node:pull'], loggedIn: true },
    ]);

    await expect(
      pushRelease({
        dir: release.dir,
        reference,
        registry: { plainHttp: true, credentials: { ...login, password: 'wrong' } },
      }),
    ).rejects.toMatchObject({ code: 'TNB611', message: expect.stringContaining('refused the credentials') });
  });
});
