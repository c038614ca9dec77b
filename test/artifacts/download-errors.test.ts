import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyDownloadError } from '../../artifacts/classify-download-error.ts';
import { HttpStatusError } from '../../artifacts/download-error.ts';
import { fetchArtifact } from '../../artifacts/index.ts';
import { serveBytes, startServer, type TestServer } from './helpers/http-server.ts';
import { filesOutsideTmp, makeBytes, makeTempDir, sha256 } from './helpers/temp-cache.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A throwaway self-signed certificate for 127.0.0.1, made now (no key material lives in the repository). */
async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const dir = await makeTempDir();
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('download errors', () => {
  it('names a TLS failure (a self-signed certificate) and does not retry it', async () => {
    const body = makeBytes(1_000);
    const tls = await selfSignedCertificate();
    server = await startServer({ '/secure.iso': serveBytes(body) }, tls);
    const cacheDir = await makeTempDir();

    const error = await fetchArtifact(
      { url: server.url('/secure.iso'), checksum: { algorithm: 'sha256', value: sha256(body) } },
      { cacheDir, retries: 2, retryDelayMs: 10 },
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'TNB200' });
    expect((error as Error).message).toMatch(
      /^TLS failure talking to 127\.0\.0\.1:\d+ for https:.*DEPTH_ZERO_SELF_SIGNED_CERT.*could not be verified/,
    );
    expect((error as { hint: string }).hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(server.requests).toHaveLength(0);
    expect(await filesOutsideTmp(cacheDir)).toEqual([]);
  });

  it.each([
    ['ENOTFOUND', /^Could not resolve host "dl-cdn\.alpinelinux\.org" .*DNS lookup failed: ENOTFOUND/, false],
    ['EAI_AGAIN', /DNS lookup failed: EAI_AGAIN/, true],
    ['ECONNREFUSED', /^Connection refused by dl-cdn\.alpinelinux\.org/, true],
    ['ECONNRESET', /^Connection to dl-cdn\.alpinelinux\.org dropped/, true],
    ['CERT_HAS_EXPIRED', /^TLS failure .*CERT_HAS_EXPIRED/, false],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /^TLS failure/, false],
  ])('explains %s (retryable: %s)', (code, message, retryable) => {
    const failure = classifyDownloadError(
      new TypeError('request failed', { cause: systemError(code, `getaddrinfo ${code}`) }),
      'https://dl-cdn.alpinelinux.org/alpine/v3.20/x.iso',
    );
    expect(failure.error.code).toBe('TNB200');
    expect(failure.error.message).toMatch(message);
    expect(failure.retryable).toBe(retryable);
  });

  it.each([
    [404, false],
    [410, false],
    [403, false],
    [500, true],
    [503, true],
    [429, true],
  ])('HTTP %i is retryable: %s', (status, retryable) => {
    const failure = classifyDownloadError(
      new HttpStatusError(status, 'https://x.test/f'),
      'https://x.test/f',
    );
    expect(failure.retryable).toBe(retryable);
    expect(failure.error.message).toContain(`HTTP ${status}`);
  });
});
