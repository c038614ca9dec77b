import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact, fetchArtifacts, planFetch } from '../../artifacts/index.ts';
import type { TnbuildError } from '../../errors/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { filesOutsideTmp, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('offline', () => {
  it('fails before fetching anything, with one error listing every missing input', async () => {
    const cached = makeBytes(5_000);
    const missing = makeBytes(5_000);
    server = await startServer({
      '/cached.iso': serveBytes(cached),
      '/missing.tar.gz': serveBytes(missing),
      '/SHA256SUMS-0.38.17.txt': serveBytes(Buffer.from(`${sha256(missing)}  other.tar.gz\n`)),
    });
    const cacheDir = await makeTempDir();
    const cachedRequest = {
      url: server.url('/cached.iso'),
      checksum: { algorithm: 'sha256', value: sha256(cached) },
    } as const;
    await fetchArtifact(cachedRequest, { cacheDir });
    const before = server.requests.length;
    const requests = [
      cachedRequest,
      { url: server.url('/missing.tar.gz'), checksum: { algorithm: 'sha256', value: sha256(missing) } },
      {
        url: server.url('/other.tar.gz'),
        checksumUrl: server.url('/SHA256SUMS-0.38.17.txt'),
        algorithm: 'sha256',
      },
    ] as const;

    const error = (await fetchArtifacts(requests, { cacheDir, offline: true }).catch(
      (caught: unknown) => caught,
    )) as TnbuildError;

    expect(error).toMatchObject({ code: 'TNB202' });
    expect(error.message).toBe(
      `Offline, and 3 input(s) are not in the cache (${cacheDir}), and no mirror is set:`,
    );
    expect(error.details).toEqual([
      `missing.tar.gz — ${server.url('/missing.tar.gz')}`,
      `SHA256SUMS-0.38.17.txt (checksum file for other.tar.gz) — ${server.url('/SHA256SUMS-0.38.17.txt')}`,
      `other.tar.gz — ${server.url('/other.tar.gz')}`,
    ]);
    expect(server.requests).toHaveLength(before);
  });

  it('builds from the cache alone when everything is there', async () => {
    const body = makeBytes(5_000);
    server = await startServer({ '/in-cache.bin': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url('/in-cache.bin'),
      checksum: { algorithm: 'sha256', value: sha256(body) },
    } as const;
    await fetchArtifact(request, { cacheDir });

    const [result] = await fetchArtifacts([request], { cacheDir, offline: true });

    expect(result?.fromCache).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('a single offline fetch of a missing file fails fast and writes nothing', async () => {
    server = await startServer({});
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url: server.url('/nope.iso'), checksum: { algorithm: 'sha256', value: 'f'.repeat(64) } },
      { cacheDir, offline: true },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB202', details: [`nope.iso — ${server.url('/nope.iso')}`] });
    expect(server.requests).toHaveLength(0);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
  });
});

describe('planFetch', () => {
  it('tells cached, mirror and download apart without a request or a write', async () => {
    const cached = makeBytes(2_000);
    const mirrored = makeBytes(2_000);
    server = await startServer({ '/a.iso': serveBytes(cached) });
    const cacheDir = await makeTempDir();
    const mirror = await makeTempDir();
    await writeFile(path.join(mirror, 'b.iso'), mirrored);
    await writeFile(path.join(mirror, 'SUMS'), `${sha256(mirrored)}  b.iso\n`);
    const a = await fetchArtifact(
      { url: server.url('/a.iso'), checksum: { algorithm: 'sha256', value: sha256(cached) } },
      { cacheDir },
    );

    const plan = await planFetch(
      [
        { url: server.url('/a.iso'), checksum: { algorithm: 'sha256', value: sha256(cached) } },
        { url: 'https://example.org/b.iso', checksumUrl: 'https://example.org/SUMS', algorithm: 'sha256' },
        { url: 'https://example.org/c.iso', checksum: { algorithm: 'sha256', value: '0'.repeat(64) } },
      ],
      { cacheDir, mirror },
    );

    expect(
      plan.map(({ fileName, source, availableOffline }) => ({ fileName, source, availableOffline })),
    ).toEqual([
      { fileName: 'a.iso', source: 'cached', availableOffline: true },
      { fileName: 'b.iso', source: 'mirror', availableOffline: true },
      { fileName: 'c.iso', source: 'download', availableOffline: false },
    ]);
    expect(plan[0]?.location).toBe(a.path);
    expect(plan[1]).toMatchObject({
      checksum: { algorithm: 'sha256', value: sha256(mirrored) },
      checksumFile: { source: 'mirror', location: path.join(mirror, 'SUMS') },
    });
    expect(server.requests).toHaveLength(1);
  });
});
