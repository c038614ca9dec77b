import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact } from '../../artifacts/index.ts';
import { sendBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { captureLogger, filesOutsideTmp, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('stall timeout', () => {
  it('gives up on a server that stops sending mid-file, retrying first, and keeps nothing outside tmp/', async () => {
    const body = makeBytes(100_000);
    server = await startServer({
      '/slow.iso': async (_req, res, seen) => {
        res.writeHead(200, { 'content-length': body.length });
        await sendBytes(res, seen, body.subarray(0, 10_000));
        // …and then nothing: the connection stays open.
      },
    });
    const cacheDir = await makeTempDir();
    const logger = captureLogger();
    const started = Date.now();

    const error = await fetchArtifact(
      { url: server.url('/slow.iso'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, logger, timeoutMs: 300, retries: 1, retryDelayMs: 10 },
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'TNB203' });
    expect((error as Error).message).toMatch(
      /^No data from http:\/\/127\.0\.0\.1:\d+\/slow\.iso for 300 ms \(the stall timeout\)/,
    );
    expect((error as Error).message).toContain('Gave up after 2 attempts');
    expect(server.requests).toHaveLength(2);
    expect(logger.warnings[0]).toMatch(/stall timeout.*Retrying/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
  });

  it('also covers a server that never sends headers', async () => {
    server = await startServer({ '/silent.bin': () => {} });
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url: server.url('/silent.bin'), checksum: { algorithm: 'sha256', value: 'e'.repeat(64) } },
      { cacheDir, timeoutMs: 200, retries: 0 },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB203' });
    expect((error as Error).message).toContain('after 0 bytes');
  });

  it('does not time out a slow but steady server', async () => {
    const body = makeBytes(40_000);
    server = await startServer({
      '/steady.bin': async (_req, res, seen) => {
        res.writeHead(200, { 'content-length': body.length });
        for (let offset = 0; offset < body.length; offset += 10_000) {
          await sendBytes(res, seen, body.subarray(offset, offset + 10_000));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        res.end();
      },
    });
    const cacheDir = await makeTempDir();
    const result = await fetchArtifact(
      { url: server.url('/steady.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, timeoutMs: 300, retries: 0 },
    );
    expect(result.size).toBe(body.length);
  });
});
