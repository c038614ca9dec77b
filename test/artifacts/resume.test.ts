import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact } from '../../artifacts/index.ts';
import {
  inTurn,
  sendBytes,
  serveBytes,
  serveThenDrop,
  startServer,
  type TestServer,
} from './helpers/http-server.ts';
import { filesIn, filesOutsideTmp, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const size = 200_000;
const cut = 80_000;

describe('resuming an interrupted download', () => {
  it('continues with Range + If-Range after the connection drops mid-file, within one fetch', async () => {
    const body = makeBytes(size);
    server = await startServer({
      '/cometbft.tar.gz': inTurn(serveThenDrop(body, cut, '"abc"'), serveBytes(body, { etag: '"abc"' })),
    });
    const cacheDir = await makeTempDir();

    const result = await fetchArtifact(
      { url: server.url('/cometbft.tar.gz'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 1, retryDelayMs: 10 },
    );

    const [first, second] = server.requests;
    expect(first?.headers.range).toBeUndefined();
    const start = rangeStart(second?.headers.range);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(cut);
    expect(second?.headers['if-range']).toBe('"abc"');
    expect([first?.bytesSent, second?.bytesSent]).toEqual([cut, size - start]);
    // What reached the disk: the part up to the resume point, then exactly the rest.
    expect(result.downloadedBytes).toBe(size);
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
    expect(await filesIn(path.join(cacheDir, 'tmp'))).toEqual([]);
  });

  it('keeps the part in tmp/ when a fetch fails, and the next fetch resumes it', async () => {
    const body = makeBytes(size);
    server = await startServer({ '/big.iso': inTurn(serveThenDrop(body, cut), serveBytes(body)) });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url('/big.iso'),
      checksum: { algorithm: 'sha256', value: sha256(body) },
    } as const;

    const error = await fetchArtifact(request, { cacheDir, retries: 0 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB200' });
    expect((error as Error).message).toMatch(/dropped|cut off/);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
    const kept = (await stat(path.join(cacheDir, 'tmp', `sha256-${sha256(body)}.part`))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);

    const result = await fetchArtifact(request, { cacheDir, retries: 0 });
    expect(server.requests[1]?.headers.range).toBe(`bytes=${kept}-`);
    expect(server.requests[1]?.headers['if-range']).toBe('"v1"');
    expect(server.requests[1]?.bytesSent).toBe(size - kept);
    expect(result.downloadedBytes).toBe(size - kept);
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });

  it('starts over when the server ignores Range and sends the whole file again', async () => {
    const body = makeBytes(size);
    server = await startServer({
      '/norange.bin': inTurn(serveThenDrop(body, cut), serveBytes(body, { ranges: false })),
    });
    const cacheDir = await makeTempDir();

    const result = await fetchArtifact(
      { url: server.url('/norange.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 1, retryDelayMs: 10 },
    );

    const start = rangeStart(server.requests[1]?.headers.range);
    expect(start).toBeGreaterThan(0);
    expect(server.requests[1]?.bytesSent).toBe(size);
    expect(result.downloadedBytes).toBe(start + size);
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });

  it('starts over when the 206 does not begin where the part ends', async () => {
    const body = makeBytes(size);
    const wrongRange = inTurn(
      serveThenDrop(body, cut),
      async (_req, res, seen) => {
        res.writeHead(206, { 'content-range': `bytes 0-${size - 1}/${size}`, 'content-length': size });
        await sendBytes(res, seen, body);
        res.end();
      },
      serveBytes(body),
    );
    server = await startServer({ '/liar.bin': wrongRange });
    const cacheDir = await makeTempDir();

    const result = await fetchArtifact(
      { url: server.url('/liar.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 1, retryDelayMs: 10 },
    );

    expect(server.requests.map((request) => request.headers.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=\d+-$/),
      undefined,
    ]);
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });

  it('downloads from zero again when a resumed file fails its checksum (the file changed between attempts)', async () => {
    const oldBody = makeBytes(size);
    const body = makeBytes(size);
    // A server without validators: it cannot tell that the part came from an older file.
    const noValidators =
      (bytes: Buffer) =>
      async (
        req: import('node:http').IncomingMessage,
        res: import('node:http').ServerResponse,
        seen: import('./helpers/http-server.ts').SeenRequest,
      ) => {
        const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
        res.writeHead(start ? 206 : 200, {
          'content-length': size - start,
          ...(start ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
        });
        await sendBytes(res, seen, bytes.subarray(start));
        res.end();
      };
    const dropOld = async (
      _req: unknown,
      res: import('node:http').ServerResponse,
      seen: import('./helpers/http-server.ts').SeenRequest,
    ) => {
      res.writeHead(200, { 'content-length': size });
      await sendBytes(res, seen, oldBody.subarray(0, cut));
      res.socket?.destroy();
    };
    server = await startServer({ '/moving.bin': inTurn(dropOld, noValidators(body)) });
    const cacheDir = await makeTempDir();

    const result = await fetchArtifact(
      { url: server.url('/moving.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 1, retryDelayMs: 10 },
    );

    expect(server.requests.map((request) => request.headers.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=\d+-$/),
      undefined,
    ]);
    expect(server.requests[1]?.headers['if-range']).toBeUndefined();
    expect(sha256(await readFile(result.path))).toBe(sha256(body));
  });
});

function rangeStart(header: string | undefined): number {
  const match = /^bytes=(\d+)-$/.exec(header ?? '');
  if (!match) throw new Error(`expected a Range header, got ${header}`);
  return Number(match[1]);
}
