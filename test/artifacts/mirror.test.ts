import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact } from '../../artifacts/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { captureLogger, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function upstreamWith(route: string, body: Buffer): Promise<TestServer> {
  const server = await startServer({ [route]: serveBytes(body) });
  servers.push(server);
  return server;
}

describe('--mirror', () => {
  it('finds DIR/<host>/<path> (the wget -x layout) without contacting upstream', async () => {
    const body = makeBytes(30_000);
    const upstream = await upstreamWith('/alpine/v3.20/alpine-virt.iso', body);
    const mirror = await makeTempDir();
    const mirrored = path.join(mirror, new URL(upstream.origin).host, 'alpine', 'v3.20', 'alpine-virt.iso');
    await mkdir(path.dirname(mirrored), { recursive: true });
    await writeFile(mirrored, body);
    const cacheDir = await makeTempDir();

    const result = await fetchArtifact(
      {
        url: upstream.url('/alpine/v3.20/alpine-virt.iso'),
        checksum: { algorithm: 'sha256', value: sha256(body) },
      },
      { cacheDir, mirror },
    );

    expect(upstream.requests).toHaveLength(0);
    expect(result).toMatchObject({ fromCache: false, downloadedBytes: body.length });
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });

  it('finds DIR/<file-name> (a flat folder), also offline, and from $TNBUILD_MIRROR', async () => {
    const body = makeBytes(30_000);
    const upstream = await upstreamWith('/releases/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz', body);
    const mirror = await makeTempDir();
    await writeFile(path.join(mirror, 'cometbft_0.38.17_linux_amd64.tar.gz'), body);
    const cacheDir = await makeTempDir();
    const previous = process.env.TNBUILD_MIRROR;
    process.env.TNBUILD_MIRROR = mirror;
    try {
      const result = await fetchArtifact(
        {
          url: upstream.url('/releases/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz'),
          checksum: { algorithm: 'sha256', value: sha256(body) },
        },
        { cacheDir, offline: true },
      );
      expect(result.fileName).toBe('cometbft_0.38.17_linux_amd64.tar.gz');
    } finally {
      if (previous === undefined) delete process.env.TNBUILD_MIRROR;
      else process.env.TNBUILD_MIRROR = previous;
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('skips a mirror copy that fails its checksum, with a warning, and downloads upstream', async () => {
    const body = makeBytes(30_000);
    const upstream = await upstreamWith('/tool.bin', body);
    const mirror = await makeTempDir();
    await writeFile(path.join(mirror, 'tool.bin'), makeBytes(30_000));
    const cacheDir = await makeTempDir();
    const logger = captureLogger();

    const result = await fetchArtifact(
      { url: upstream.url('/tool.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, mirror, logger },
    );

    expect(logger.warnings[0]).toMatch(
      /^Mirror copy skipped: tool\.bin from .*tool\.bin does not match its checksum/,
    );
    expect(upstream.requests).toHaveLength(1);
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });

  it('maps a mirror URL to URL/<file-name>', async () => {
    const body = makeBytes(30_000);
    const upstream = await upstreamWith('/dl/v1/node-image.qcow2', body);
    const mirrorServer = await upstreamWith('/trustnet-mirror/node-image.qcow2', body);

    const result = await fetchArtifact(
      {
        url: upstream.url('/dl/v1/node-image.qcow2'),
        checksum: { algorithm: 'sha256', value: sha256(body) },
      },
      { cacheDir: await makeTempDir(), mirror: mirrorServer.url('/trustnet-mirror/') },
    );

    expect(upstream.requests).toHaveLength(0);
    expect(mirrorServer.requests.map((request) => request.path)).toEqual([
      '/trustnet-mirror/node-image.qcow2',
    ]);
    expect(result.downloadedBytes).toBe(body.length);
  });

  it('falls back to upstream when the mirror URL lacks the file', async () => {
    const body = makeBytes(10_000);
    const upstream = await upstreamWith('/only-upstream.bin', body);
    const mirrorServer = await upstreamWith('/other', body);
    const logger = captureLogger();

    await fetchArtifact(
      { url: upstream.url('/only-upstream.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir: await makeTempDir(), mirror: mirrorServer.origin, logger, retries: 0 },
    );

    expect(mirrorServer.requests.map((request) => request.path)).toEqual(['/only-upstream.bin']);
    expect(upstream.requests).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/^Mirror skipped: .*HTTP 404/);
  });
});
