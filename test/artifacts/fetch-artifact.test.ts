import { readFile, readlink, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../artifacts/index.ts';
import { fetchArtifact } from '../../artifacts/index.ts';
import { TnbuildError } from '../../errors/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import {
  captureLogger,
  filesIn,
  filesOutsideTmp,
  makeBytes,
  makeTempDir,
  sha256,
  sha512,
} from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const fast = { retries: 0, retryDelayMs: 10, timeoutMs: 5000 };

describe('fetchArtifact', () => {
  it('downloads, verifies and stores a file under its hash with a readable name', async () => {
    const body = makeBytes(300_000);
    server = await startServer({ '/alpine/alpine-virt-3.20.3-x86_64.iso': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const events: ProgressEvent[] = [];

    const result = await fetchArtifact(
      {
        url: server.url('/alpine/alpine-virt-3.20.3-x86_64.iso'),
        checksum: { algorithm: 'sha256', value: sha256(body) },
      },
      { cacheDir, onProgress: (event) => events.push(event), ...fast },
    );

    expect(result).toMatchObject({
      fileName: 'alpine-virt-3.20.3-x86_64.iso',
      size: body.length,
      fromCache: false,
    });
    expect(result.downloadedBytes).toBe(body.length);
    expect(result.path).toBe(path.join(cacheDir, 'blobs', 'sha256', sha256(body)));
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
    expect(await readlink(result.namedPath)).toBe(`../blobs/sha256/${sha256(body)}`);
    expect(sha256(await readFile(result.namedPath))).toBe(sha256(body));
    const meta = JSON.parse(
      await readFile(path.join(cacheDir, 'meta', 'sha256', `${sha256(body)}.json`), 'utf8'),
    );
    expect(meta).toMatchObject({
      size: body.length,
      sources: [{ url: server.url('/alpine/alpine-virt-3.20.3-x86_64.iso') }],
    });
    expect(await filesIn(path.join(cacheDir, 'tmp'))).toEqual([]);
    expect(await filesIn(path.join(cacheDir, 'locks'))).toEqual([]);
    expect(events.at(-1)).toMatchObject({
      received: body.length,
      total: body.length,
      done: true,
      etaSeconds: 0,
    });
    expect(server.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('serves a second fetch from the cache without a single request', async () => {
    const body = makeBytes(50_000);
    server = await startServer({ '/a.tar.gz': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url('/a.tar.gz'),
      checksum: { algorithm: 'sha256', value: sha256(body) },
    } as const;

    const first = await fetchArtifact(request, { cacheDir, ...fast });
    const second = await fetchArtifact(request, { cacheDir, ...fast });

    expect(server.requests).toHaveLength(1);
    expect(second).toMatchObject({
      path: first.path,
      fromCache: true,
      downloadedBytes: 0,
      size: body.length,
    });
  });

  it('shares one blob between two recipes that name the same content differently', async () => {
    const body = makeBytes(10_000);
    server = await startServer({
      '/v1/tool.tgz': serveBytes(body),
      '/mirror/tool-copy.tgz': serveBytes(body),
    });
    const cacheDir = await makeTempDir();
    const checksum = { algorithm: 'sha256', value: sha256(body) } as const;

    const first = await fetchArtifact({ url: server.url('/v1/tool.tgz'), checksum }, { cacheDir, ...fast });
    const second = await fetchArtifact(
      { url: server.url('/mirror/tool-copy.tgz'), checksum },
      { cacheDir, ...fast },
    );

    expect(second.path).toBe(first.path);
    expect(second.fromCache).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(await filesIn(path.join(cacheDir, 'files'))).toEqual(['tool-copy.tgz', 'tool.tgz']);
  });

  it('verifies sha512 too', async () => {
    const body = makeBytes(20_000);
    server = await startServer({ '/f.bin': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const result = await fetchArtifact(
      { url: server.url('/f.bin'), checksum: { algorithm: 'sha512', value: sha512(body).toUpperCase() } },
      { cacheDir, ...fast },
    );
    expect(result.path).toBe(path.join(cacheDir, 'blobs', 'sha512', sha512(body)));
  });

  it('rejects a wrong checksum with expected and actual, keeping nothing', async () => {
    const body = makeBytes(40_000);
    server = await startServer({ '/bad.iso': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const wrong = 'a'.repeat(64);

    const error = await fetchArtifact(
      { url: server.url('/bad.iso'), checksum: { algorithm: 'sha256', value: wrong } },
      { cacheDir, ...fast },
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TnbuildError);
    expect(error).toMatchObject({ code: 'TNB201' });
    expect((error as TnbuildError).details).toEqual([
      `expected sha256 ${wrong}`,
      `actual   sha256 ${sha256(body)}`,
    ]);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
    expect(await filesIn(path.join(cacheDir, 'tmp'))).toEqual([]);
  });

  it('discards a truncated cache entry with a warning and fetches it again', async () => {
    const body = makeBytes(60_000);
    server = await startServer({ '/x.iso': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url('/x.iso'),
      checksum: { algorithm: 'sha256', value: sha256(body) },
    } as const;
    const first = await fetchArtifact(request, { cacheDir, ...fast });
    await truncate(first.path, 1000);
    const logger = captureLogger();

    const second = await fetchArtifact(request, { cacheDir, logger, ...fast });

    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(
      /x\.iso .* is corrupt: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/,
    );
    expect(second).toMatchObject({ fromCache: false, downloadedBytes: body.length });
    expect(sha256(await readFile(second.path))).toBe(sha256(body));
    expect(server.requests).toHaveLength(2);
  });

  it('names the URL and the status on a 404, and does not retry it', async () => {
    server = await startServer({});
    const cacheDir = await makeTempDir();
    const url = server.url('/releases/v9/missing.tar.gz');

    const error = await fetchArtifact(
      { url, checksum: { algorithm: 'sha256', value: 'b'.repeat(64) } },
      { cacheDir, retries: 3, retryDelayMs: 10 },
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'TNB200' });
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toContain('HTTP 404');
    expect(server.requests).toHaveLength(1);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    const body = makeBytes(5_000);
    let calls = 0;
    server = await startServer({
      '/flaky.bin': (req, res, seen) => {
        calls++;
        if (calls < 3) {
          res.writeHead(503).end();
          return;
        }
        return serveBytes(body)(req, res, seen);
      },
    });
    const cacheDir = await makeTempDir();
    const logger = captureLogger();

    const result = await fetchArtifact(
      { url: server.url('/flaky.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, logger, retries: 3, retryDelayMs: 10 },
    );

    expect(result.size).toBe(body.length);
    expect(server.requests).toHaveLength(3);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]).toMatch(/HTTP 503.*Retrying in .* \(attempt 2 of 4\)/);
  });

  it('gives up after the last retry and says how many attempts it made', async () => {
    server = await startServer({ '/down.bin': (_req, res) => void res.writeHead(502).end() });
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url: server.url('/down.bin'), checksum: { algorithm: 'sha256', value: 'c'.repeat(64) } },
      { cacheDir, retries: 2, retryDelayMs: 5 },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB200' });
    expect((error as Error).message).toMatch(/HTTP 502 .*Gave up after 3 attempts/);
    expect(server.requests).toHaveLength(3);
  });

  it('follows redirects', async () => {
    const body = makeBytes(8_000);
    server = await startServer({
      '/latest': (_req, res) => void res.writeHead(302, { location: '/v2/real.bin' }).end(),
      '/v2/real.bin': serveBytes(body),
    });
    const cacheDir = await makeTempDir();
    const result = await fetchArtifact(
      {
        url: server.url('/latest'),
        fileName: 'real.bin',
        checksum: { algorithm: 'sha256', value: sha256(body) },
      },
      { cacheDir, ...fast },
    );
    expect(sha256(await readFile(result.namedPath))).toBe(sha256(body));
    expect(server.requests.map((request) => request.path)).toEqual(['/latest', '/v2/real.bin']);
  });

  it('says "connection refused" when nothing listens', async () => {
    server = await startServer({});
    const url = server.url('/gone.bin');
    await server.close();
    server = undefined;
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url, checksum: { algorithm: 'sha256', value: 'd'.repeat(64) } },
      { cacheDir, ...fast },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB200' });
    expect((error as Error).message).toMatch(/^Connection refused by 127\.0\.0\.1:\d+ for http/);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
  });

  it('reports every problem of an invalid request at once', async () => {
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url: 'ftp://example.org/', checksum: { algorithm: 'md5' as 'sha256', value: 'xyz' } },
      { cacheDir },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB205' });
    expect((error as TnbuildError).details).toEqual([
      'url: expected an http(s) URL, got "ftp://example.org/"',
      'checksum.algorithm: expected sha256 | sha512, got "md5"',
      'checksum.value: expected 64 hex digits for sha256, got "xyz"',
    ]);
  });

  it('keeps blobs read-only so a stray write cannot change them unnoticed', async () => {
    const body = makeBytes(1_000);
    server = await startServer({ '/ro.bin': serveBytes(body) });
    const cacheDir = await makeTempDir();
    const result = await fetchArtifact(
      { url: server.url('/ro.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, ...fast },
    );
    expect((await stat(result.path)).mode & 0o777).toBe(0o444);
  });
});
