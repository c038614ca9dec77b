import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetchResult, fetchArtifact } from '../../artifacts/index.ts';
import { sendBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { captureLogger, filesIn, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const childScript = fileURLToPath(new URL('./fixtures/fetch-in-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Sends half the file, then waits for `release()` before sending the rest, so the other fetch surely overlaps. */
function gatedFile(body: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const firstRequest = new Promise<void>((resolve) => {
    started = resolve;
  });
  const handler = async (
    _req: unknown,
    res: import('node:http').ServerResponse,
    seen: import('./helpers/http-server.ts').SeenRequest,
  ) => {
    res.writeHead(200, { 'content-length': body.length });
    const half = Math.floor(body.length / 2);
    await sendBytes(res, seen, body.subarray(0, half));
    started();
    await gate;
    await sendBytes(res, seen, body.subarray(half));
    res.end();
  };
  return { handler, release, firstRequest };
}

describe('concurrent fetches of one file', () => {
  it('in one process: one download, both succeed, the second waits and reads the cache', async () => {
    const body = makeBytes(200_000);
    const gated = gatedFile(body);
    server = await startServer({ '/shared.iso': gated.handler });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url('/shared.iso'),
      checksum: { algorithm: 'sha256', value: sha256(body) },
    } as const;
    const logger = captureLogger();

    const first = fetchArtifact(request, { cacheDir, retries: 0 });
    await gated.firstRequest;
    const second = fetchArtifact(request, { cacheDir, retries: 0, logger });
    await waitFor(() => logger.infos.some((line) => line.startsWith('Waiting for shared.iso')));
    gated.release();
    const results = await Promise.all([first, second]);

    expect(server.requests).toHaveLength(1);
    expect(results.map((result) => result.fromCache)).toEqual([false, true]);
    expect(results[0]?.path).toBe(results[1]?.path);
    expect(sha256(await readFile(results[1]?.path as string))).toBe(sha256(body));
    expect(await filesIn(path.join(cacheDir, 'locks'))).toEqual([]);
  });

  it('across two processes: one download, both succeed', async () => {
    const body = makeBytes(200_000);
    const gated = gatedFile(body);
    server = await startServer({ '/shared.tar.gz': gated.handler });
    const cacheDir = await makeTempDir();
    const url = server.url('/shared.tar.gz');
    const logger = captureLogger();

    const child = execa('node', ['--import', 'tsx', childScript, url, sha256(body), cacheDir], {
      cwd: repoRoot,
    });
    await gated.firstRequest;
    const here = fetchArtifact(
      { url, checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 0, logger },
    );
    await waitFor(() => logger.infos.some((line) => line.startsWith('Waiting for shared.tar.gz')));
    expect(logger.infos.find((line) => line.startsWith('Waiting'))).toContain(`(pid ${child.pid})`);
    gated.release();
    const [childOutput, ours] = await Promise.all([child, here]);
    const theirs = JSON.parse(childOutput.stdout) as FetchResult;

    expect(server.requests).toHaveLength(1);
    expect(theirs).toMatchObject({ fromCache: false, downloadedBytes: body.length });
    expect(ours).toMatchObject({ fromCache: true, path: theirs.path });
    expect(sha256(await readFile(ours.path))).toBe(sha256(body));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
