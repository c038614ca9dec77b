import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchArtifact, parseChecksumFile } from '../../artifacts/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { makeBytes, makeTempDir, sha256, sha512 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a published checksum file', () => {
  it("reads Alpine's one-line <iso>.sha256 and keeps it, so the next fetch needs no request (offline too)", async () => {
    const iso = makeBytes(20_000);
    const isoPath = '/alpine/v3.20/releases/x86_64/alpine-virt-3.20.3-x86_64.iso';
    server = await startServer({
      [isoPath]: serveBytes(iso),
      [`${isoPath}.sha256`]: serveBytes(Buffer.from(`${sha256(iso)}  alpine-virt-3.20.3-x86_64.iso\n`)),
    });
    const cacheDir = await makeTempDir();
    const request = {
      url: server.url(isoPath),
      checksumUrl: server.url(`${isoPath}.sha256`),
      algorithm: 'sha256',
    } as const;

    const first = await fetchArtifact(request, { cacheDir });
    const second = await fetchArtifact(request, { cacheDir, offline: true });

    expect(first.checksum).toEqual({ algorithm: 'sha256', value: sha256(iso) });
    expect(second.fromCache).toBe(true);
    expect(server.requests.map((seen) => path.posix.basename(seen.path))).toEqual([
      'alpine-virt-3.20.3-x86_64.iso.sha256',
      'alpine-virt-3.20.3-x86_64.iso',
    ]);
    expect(await readdir(path.join(cacheDir, 'sums'))).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}-alpine-virt-3\.20\.3-x86_64\.iso\.sha256$/),
    ]);
  });

  it("picks the line for the URL's file name from CometBFT's SHA256SUMS-<ver>.txt", async () => {
    const archive = makeBytes(20_000);
    const sums = [
      `${sha256(Buffer.from('darwin'))}  cometbft_0.38.17_darwin_arm64.tar.gz`,
      `${sha256(archive)}  cometbft_0.38.17_linux_amd64.tar.gz`,
      `${sha256(Buffer.from('arm'))}  cometbft_0.38.17_linux_arm64.tar.gz`,
    ].join('\n');
    server = await startServer({
      '/releases/download/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz': serveBytes(archive),
      '/releases/download/v0.38.17/SHA256SUMS-0.38.17.txt': serveBytes(Buffer.from(sums)),
    });

    const result = await fetchArtifact(
      {
        url: server.url('/releases/download/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz'),
        checksumUrl: server.url('/releases/download/v0.38.17/SHA256SUMS-0.38.17.txt'),
        algorithm: 'sha256',
      },
      { cacheDir: await makeTempDir() },
    );

    expect(result.checksum.value).toBe(sha256(archive));
  });

  it('fails with TNB204, showing the file, when the sums file has no line for the file', async () => {
    server = await startServer({
      '/SHA256SUMS': serveBytes(Buffer.from(`${'1'.repeat(64)}  something-else.tgz\n`)),
    });
    const cacheDir = await makeTempDir();
    const error = await fetchArtifact(
      { url: server.url('/wanted.tgz'), checksumUrl: server.url('/SHA256SUMS'), algorithm: 'sha256' },
      { cacheDir },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TNB204',
      message: `${server.url('/SHA256SUMS')} has no sha256 line for wanted.tgz.`,
      details: [`| ${'1'.repeat(64)}  something-else.tgz`],
    });
    expect(await readdir(path.join(cacheDir, 'sums'))).toEqual([]);
  });
});

describe('parseChecksumFile', () => {
  const hex = sha256(Buffer.from('x'));
  it.each([
    ['GNU text mode', `${hex}  file.iso`],
    ['GNU binary mode', `${hex} *file.iso`],
    ['a ./ prefix', `${hex}  ./file.iso`],
    ['BSD style', `SHA256 (file.iso) = ${hex}`],
    ['a lone hash', `${hex}\n`],
    ['CRLF and comments', `# release sums\r\n${sha256(Buffer.from('y'))}  other.iso\r\n${hex}  file.iso\r\n`],
  ])('understands %s', (_label, text) => {
    expect(parseChecksumFile(text, 'file.iso', 'sha256')).toBe(hex);
  });

  it('matches the algorithm by hash length', () => {
    const long = sha512(Buffer.from('x'));
    const text = `${hex}  file.iso\n${long}  file.iso\n`;
    expect(parseChecksumFile(text, 'file.iso', 'sha512')).toBe(long);
    expect(parseChecksumFile(text, 'file.iso', 'sha256')).toBe(hex);
  });

  it('does not match a file name that only ends the same', () => {
    expect(parseChecksumFile(`${hex}  my-file.iso\n${hex}  x\n`, 'file.iso', 'sha256')).toBeUndefined();
  });
});
