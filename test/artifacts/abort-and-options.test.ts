import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact, resolveFetchOptions } from '../../artifacts/index.ts';
import { sendBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { filesIn, filesOutsideTmp, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('aborting a fetch', () => {
  it("rejects with the signal's reason, keeps the part for a resume, and releases the lock", async () => {
    const body = makeBytes(100_000);
    let sent!: () => void;
    const halfSent = new Promise<void>((resolve) => {
      sent = resolve;
    });
    server = await startServer({
      '/hang.iso': async (_req, res, seen) => {
        res.writeHead(200, { 'content-length': body.length });
        await sendBytes(res, seen, body.subarray(0, 40_000));
        sent();
      },
    });
    const cacheDir = await makeTempDir();
    const controller = new AbortController();

    const fetching = fetchArtifact(
      { url: server.url('/hang.iso'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, signal: controller.signal, retries: 3 },
    );
    await halfSent;
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('Ctrl-C'));

    await expect(fetching).rejects.toThrow('Ctrl-C');
    expect(server.requests).toHaveLength(1);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
    expect(await filesIn(path.join(cacheDir, 'tmp'))).toEqual([
      `sha256-${sha256(body)}.part`,
      `sha256-${sha256(body)}.part.json`,
    ]);
  });
});

describe('resolveFetchOptions', () => {
  it('defaults to ~/.vms/cache, no mirror, online, 30 s stall timeout, 3 retries', () => {
    expect(resolveFetchOptions({}, {})).toMatchObject({
      cacheDir: path.join(os.homedir(), '.vms', 'cache'),
      mirror: undefined,
      offline: false,
      timeoutMs: 30_000,
      retries: 3,
    });
  });

  it('reads TNBUILD_CACHE and TNBUILD_MIRROR; explicit options win', () => {
    const env = { TNBUILD_CACHE: '/srv/cache', TNBUILD_MIRROR: 'https://mirror.example/tn' };
    expect(resolveFetchOptions({}, env)).toMatchObject({
      cacheDir: '/srv/cache',
      mirror: 'https://mirror.example/tn',
    });
    expect(resolveFetchOptions({ cacheDir: '/x', mirror: '/m' }, env)).toMatchObject({
      cacheDir: '/x',
      mirror: '/m',
    });
  });
});
