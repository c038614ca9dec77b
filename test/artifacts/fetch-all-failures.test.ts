import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifacts } from '../../artifacts/index.ts';
import type { TnbuildError } from '../../errors/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fetchArtifacts online', () => {
  it('fetches every input it can and names every one that failed, not only the first', async () => {
    const good = makeBytes(4_000);
    const changed = makeBytes(4_000);
    server = await startServer({ '/good.iso': serveBytes(good), '/changed.tar.gz': serveBytes(changed) });
    const cacheDir = await makeTempDir();
    const requests = [
      { url: server.url('/missing.iso'), checksum: { algorithm: 'sha256', value: 'a'.repeat(64) } },
      { url: server.url('/good.iso'), checksum: { algorithm: 'sha256', value: sha256(good) } },
      { url: server.url('/changed.tar.gz'), checksum: { algorithm: 'sha256', value: 'b'.repeat(64) } },
    ] as const;
    const error = (await fetchArtifacts(requests, { cacheDir, retries: 0 }).catch(
      (caught: unknown) => caught,
    )) as TnbuildError;
    expect(error.message).toBe('2 of 3 inputs could not be fetched');
    expect(error.details).toHaveLength(2);
    expect(error.details[0]).toMatch(/missing\.iso: .*404/);
    expect(error.details[1]).toMatch(/changed\.tar\.gz: /);
    // The good one was fetched all the same: the next run only needs the two that failed.
    expect(server.requestsFor('/good.iso')).toHaveLength(1);
    const [again] = await fetchArtifacts([requests[1]], { cacheDir });
    expect(again?.fromCache).toBe(true);
  });
});
