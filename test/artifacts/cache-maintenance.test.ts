import { chmod, open, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact, listCache, pruneCache, verifyCache } from '../../artifacts/index.ts';
import { serveBytes, serveThenDrop, startServer, type TestServer } from './helpers/http-server.ts';
import { captureLogger, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A cache with three entries (a.iso used longest ago) and one interrupted download. */
async function seedCache() {
  const bodies = { 'a.iso': makeBytes(3_000), 'b.iso': makeBytes(4_000), 'c.iso': makeBytes(5_000) };
  const partial = makeBytes(50_000);
  server = await startServer({
    '/a.iso': serveBytes(bodies['a.iso']),
    '/b.iso': serveBytes(bodies['b.iso']),
    '/c.iso': serveBytes(bodies['c.iso']),
    '/partial.iso': serveThenDrop(partial, 20_000),
  });
  const cacheDir = await makeTempDir();
  const results = [];
  for (const [name, body] of Object.entries(bodies)) {
    results.push(
      await fetchArtifact(
        { url: server.url(`/${name}`), checksum: { algorithm: 'sha256', value: sha256(body) } },
        { cacheDir },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await fetchArtifact(
    { url: server.url('/partial.iso'), checksum: { algorithm: 'sha256', value: sha256(partial) } },
    { cacheDir, retries: 0 },
  ).catch(() => {});
  return { cacheDir, bodies, results };
}

describe('cache maintenance', () => {
  it('lists entries (most recently used first) with their names, URLs, sizes, and partial downloads', async () => {
    const { cacheDir, bodies } = await seedCache();

    const listing = await listCache({ cacheDir });

    expect(listing.entries.map((entry) => entry.names)).toEqual([['c.iso'], ['b.iso'], ['a.iso']]);
    expect(listing.entries[2]).toMatchObject({
      checksum: { algorithm: 'sha256', value: sha256(bodies['a.iso']) },
      size: 3_000,
      urls: [server?.url('/a.iso')],
    });
    expect(listing.partials).toHaveLength(1);
    expect(listing.partials[0]?.size).toBeGreaterThan(0);
    expect(listing.totalBytes).toBe(12_000 + (listing.partials[0]?.size ?? 0));
  });

  it('verify hashes every entry, catching what the size+mtime fast path trusts, and removes it', async () => {
    const { cacheDir, results } = await seedCache();
    const victim = results[1]?.path as string;
    const before = await stat(victim);
    // Same size, mtime put back: a fetch would trust it; only a full hash can tell.
    await chmod(victim, 0o644);
    const handle = await open(victim, 'r+');
    await handle.write(Buffer.from('corrupt'), 0, 7, 100);
    await handle.close();
    await utimes(victim, before.atime, before.mtime);
    const logger = captureLogger();

    const report = await verifyCache({ cacheDir, logger });

    expect(report.ok.map((entry) => entry.names[0])).toEqual(['c.iso', 'a.iso']);
    expect(report.removed.map(({ entry }) => entry.names[0])).toEqual(['b.iso']);
    expect(logger.warnings[0]).toMatch(
      /^Removed b\.iso .*: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\.$/,
    );
    expect(await stat(victim).catch(() => undefined)).toBeUndefined();
    expect(await readdir(path.join(cacheDir, 'files'))).toEqual(['a.iso', 'c.iso']);
  });

  it('prune --keep keeps the most recently used entries', async () => {
    const { cacheDir } = await seedCache();

    const result = await pruneCache({ cacheDir, keep: 1 });

    expect(result.removed.map((entry) => entry.names[0])).toEqual(['b.iso', 'a.iso']);
    expect(result.freedBytes).toBe(7_000);
    expect((await listCache({ cacheDir })).entries.map((entry) => entry.names[0])).toEqual(['c.iso']);
    expect(await readdir(path.join(cacheDir, 'files'))).toEqual(['c.iso']);
  });

  it('prune --older-than removes entries not used for that long, and old partials; a dry run removes nothing', async () => {
    const { cacheDir, results } = await seedCache();
    const inTenDays = new Date(Date.now() + 10 * 24 * 60 * 60 * 1000);
    // Using b.iso again eight days from now: only a.iso and c.iso are then older than 5 days.
    const meta = path.join(cacheDir, 'meta', 'sha256', `${results[1]?.checksum.value}.json`);
    const { readFile } = await import('node:fs/promises');
    const parsed = JSON.parse(await readFile(meta, 'utf8'));
    await writeFile(
      meta,
      JSON.stringify({ ...parsed, lastUsedAt: new Date(Date.now() + 8 * 24 * 60 * 60 * 1000).toISOString() }),
    );

    const dry = await pruneCache({ cacheDir, olderThanDays: 5, now: inTenDays, dryRun: true });
    expect((await listCache({ cacheDir })).entries).toHaveLength(3);

    const result = await pruneCache({ cacheDir, olderThanDays: 5, now: inTenDays });

    expect(dry.removed.map((entry) => entry.names[0])).toEqual(['c.iso', 'a.iso']);
    expect(result.removed.map((entry) => entry.names[0])).toEqual(['c.iso', 'a.iso']);
    expect(result.removedPartials).toHaveLength(1);
    const after = await listCache({ cacheDir });
    expect(after.entries.map((entry) => entry.names[0])).toEqual(['b.iso']);
    expect(after.partials).toEqual([]);
  });

  it('prune without a rule removes no entry', async () => {
    const { cacheDir } = await seedCache();
    const result = await pruneCache({ cacheDir });
    expect(result.removed).toEqual([]);
    expect((await listCache({ cacheDir })).entries).toHaveLength(3);
  });
});
