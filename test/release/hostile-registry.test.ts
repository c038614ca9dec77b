import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRelease } from '../../release/index.ts';
import { blobLocations } from '../../release/oci/blob-locations.ts';
import { ARTIFACT_TYPE, OCI_MANIFEST, TITLE } from '../../release/oci/oci-artifact.ts';
import { readRegistryCredentials } from '../../release/oci/registry-auth.ts';
import { openTemplateStore } from '../../templates/index.ts';
import { makeKey, makeTempDir, storeEntries } from './helpers/release-fixtures.ts';

// A registry is a boundary like a release folder: what it answers, and the files that hold its logins, are hostile
// until checked. A server on 127.0.0.1 answers as a broken or malicious registry would.

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

let root: string;
let trustedKeys: string;
let server: http.Server;
let address: string;
const routes = new Map<string, Handler>();
const seen: string[] = [];

beforeAll(async () => {
  root = await makeTempDir();
  trustedKeys = (await makeKey(root, 'publisher')).pub;
  server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const handler = routes.get(request.url?.replace(/\?.*$/, '') ?? '');
    if (handler) return handler(request, response);
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  execFileSync('rm', ['-rf', root]);
});

const digestOf = (fill: string) => `sha256:${fill.repeat(64)}`;

function manifestWith(layers: { title: string; size: number; fill: string }[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE,
    config: { mediaType: 'application/vnd.tnbuild.release.manifest.v1+json', digest: digestOf('c'), size: 2 },
    layers: layers.map((layer) => ({
      mediaType: 'application/octet-stream',
      digest: digestOf(layer.fill),
      size: layer.size,
      annotations: { [TITLE]: layer.title },
    })),
  });
}

async function pullFrom(repository: string) {
  const store = openTemplateStore({ root: join(root, repository, 'templates'), vmsRoot: join(root, 'vms') });
  const error = await pullRelease({
    source: `${address}/${repository}:1.0.0`,
    registry: { plainHttp: true },
    trustedKeys,
    store,
  }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { error, entries: await storeEntries(store) };
}

describe('what a registry answers', () => {
  it('a manifest larger than 1 MiB, sent without a length, is cut off and refused (TNB611)', async () => {
    let written = 0;
    routes.set('/v2/t/big/manifests/1.0.0', (_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = (): void => {
        while (written < 64 * 1024 * 1024 && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end();
      };
      response.on('close', () => {});
      more();
    });
    const { error, entries } = await pullFrom('t/big');
    expect(error).toMatchObject({ code: 'TNB611', message: expect.stringContaining('more than 1048576') });
    expect(entries).toEqual([]);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('a SHA256SUMS the manifest says is 5 GiB is refused before any blob is asked for (TNB606)', async () => {
    routes.set('/v2/t/huge/manifests/1.0.0', (_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST });
      response.end(
        manifestWith([
          { title: 'SHA256SUMS', size: 5 * 1024 ** 3, fill: 'a' },
          { title: 'SHA256SUMS.sig', size: 300, fill: 'b' },
        ]),
      );
    });
    const { error } = await pullFrom('t/huge');
    expect(error).toMatchObject({
      code: 'TNB606',
      message: expect.stringContaining('SHA256SUMS is 5368709120 bytes'),
    });
    expect(seen.some((line) => line.startsWith('GET /v2/t/huge/blobs/'))).toBe(false);
  });

  it('a layer named ../ or with a newline is not a file name (TNB606)', async () => {
    for (const [repository, title] of [
      ['t/dotdot', '../../.ssh/authorized_keys'],
      ['t/newline', 'SHA256SUMS\nevil'],
    ] as const) {
      routes.set(`/v2/${repository}/manifests/1.0.0`, (_request, response) => {
        response.writeHead(200, { 'content-type': OCI_MANIFEST });
        response.end(manifestWith([{ title, size: 10, fill: 'd' }]));
      });
      const { error } = await pullFrom(repository);
      expect(error).toMatchObject({
        code: 'TNB606',
        message: expect.stringContaining('layers.0.annotations'),
      });
    }
  });

  it('a Bearer realm on plain http off loopback is refused before anything is sent to it', async () => {
    routes.set('/v2/t/realm/manifests/1.0.0', (_request, response) => {
      response
        .writeHead(401, { 'www-authenticate': 'Bearer realm="http://192.0.2.7/token",service="registry"' })
        .end();
    });
    const { error } = await pullFrom('t/realm');
    expect(error).toMatchObject({
      code: 'TNB611',
      message: expect.stringContaining('plain http to 192.0.2.7 refused'),
    });
  });

  it('a token with a newline (a header injection) or an answer that is not JSON is no token (TNB611)', async () => {
    const answers = {
      '/token-crlf': JSON.stringify({ token: 'abc\r\nx-injected: 1' }),
      '/token-html': '<html>login</html>',
    };
    for (const [path, body] of Object.entries(answers)) {
      const repository = `t/token${path}`;
      routes.set(`/v2/${repository}/manifests/1.0.0`, (request, response) => {
        if (request.headers['x-injected']) return void response.writeHead(500).end();
        response
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${address}${path}",service="registry"`,
          })
          .end();
      });
      routes.set(path, (_request, response) => response.writeHead(200).end(body));
      const { error } = await pullFrom(repository);
      expect(error).toMatchObject({
        code: 'TNB611',
        message: expect.stringContaining('answered without a usable token'),
      });
    }
  });
});

describe('the files logins are read from', () => {
  it('a FIFO is refused at once, not waited on', async () => {
    const fifo = join(root, 'auth-fifo.json');
    execFileSync('mkfifo', [fifo]);
    await expect(readRegistryCredentials(address, [fifo])).rejects.toMatchObject({
      code: 'TNB611',
      message: expect.stringContaining('is not a regular file'),
    });
  });

  it('a 3 GiB (sparse) file is refused by its size, not read, and not silently skipped', async () => {
    const huge = join(root, 'auth-huge.json');
    writeFileSync(huge, '{"auths":{}}');
    truncateSync(huge, 3 * 1024 ** 3);
    await expect(readRegistryCredentials(address, [huge])).rejects.toMatchObject({
      code: 'TNB611',
      message: expect.stringContaining('is 3221225472 bytes, more than the 1048576 it may have'),
    });
  });
});

describe('the record of where blobs are', () => {
  it('a name that is not a repository (a second scope, a query, a path) is never used for a mount', async () => {
    const cacheDir = join(root, 'locations');
    const digest = digestOf('e');
    const record = blobLocations(address, cacheDir);
    await record.remember('trustnet/node', [digest]);
    const file = readdirSync(join(cacheDir, 'registries')).map((name) =>
      join(cacheDir, 'registries', name),
    )[0]!;
    const forged = JSON.parse(readFileSync(file, 'utf8'));
    forged.blobs[digest] = ['trustnet/x repository:victim:push', 'a?mount=b', '../../v2', 'trustnet/node'];
    writeFileSync(file, JSON.stringify(forged));
    // As the next push reads it.
    expect(await blobLocations(address, cacheDir).repositoriesWith(digest)).toEqual(['trustnet/node']);
  });
});
