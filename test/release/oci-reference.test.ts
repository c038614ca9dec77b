import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOciReference, looksLikeOciReference, parseOciReference } from '../../release/index.ts';
import { readRegistryCredentials } from '../../release/oci/registry-auth.ts';
import { isLoopback } from '../../release/oci/registry-client.ts';

const DIGEST = `sha256:${'0a'.repeat(32)}`;

describe('registry references', () => {
  it('parses host:port, nested repositories, tags and digests, and prints them back', () => {
    for (const text of [
      'registry.example.org/trustnet/node:1.4.0',
      '127.0.0.1:5000/node',
      '[::1]:5000/a/b/c:latest',
      `localhost/trustnet/node@${DIGEST}`,
      `registry.example.org:443/trustnet/node:1.4.0@${DIGEST}`,
    ]) {
      expect(formatOciReference(parseOciReference(text))).toBe(text);
    }
    expect(parseOciReference(`docker://127.0.0.1:5000/t/node@${DIGEST}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 't/node',
      digest: DIGEST,
    });
  });

  it.each([
    ['127.0.0.1:5000/../etc:1', 'the repository'],
    ['127.0.0.1:5000/node:1\nInjected: yes', 'a tag is'],
    ['127.0.0.1:5000/node:-rm', 'a tag is'],
    ['127.0.0.1:5000/-node:1', 'the repository'],
    ['-H:1/node:1', 'not a host[:port]'],
    ['evil.example.org@127.0.0.1/node:1', 'not a host[:port]'],
    ['127.0.0.1:5000/node@sha256:abc', 'the digest must be'],
    ['127.0.0.1:5000/node@md5:0123', 'the digest must be'],
    [`127.0.0.1:5000/${'a'.repeat(600)}:1`, 'longer than 512'],
    ['node', 'expected REGISTRY/REPOSITORY'],
  ])('refuses %j (TNB610), naming what is wrong', (text, why) => {
    expect(() => parseOciReference(text)).toThrow(
      expect.objectContaining({ code: 'TNB610', message: expect.stringContaining(why) }),
    );
  });

  it('tells registry references from folders and URLs', () => {
    expect(looksLikeOciReference('registry.example.org/trustnet/node:1')).toBe(true);
    expect(looksLikeOciReference('localhost/node:1')).toBe(true);
    expect(looksLikeOciReference('docker://x/y')).toBe(true);
    expect(looksLikeOciReference('output/releases/node-1-x86_64')).toBe(false);
    expect(looksLikeOciReference('./a.b/c')).toBe(false);
    expect(looksLikeOciReference('https://releases.example.org/node/')).toBe(false);
  });

  it('allows plain http only to loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', 'localhost'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['10.0.0.1', 'fd10:1234::2', 'localhost.example.org', '127.0.0.1.nip.io', '::'])
      expect(isLoopback(host)).toBe(false);
  });
});

describe('credentials from docker login, podman login and skopeo login', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnbuild-auth-'));
  const write = (name: string, auths: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ auths }));
    return file;
  };
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('finds the entry for host:port, written bare or as a URL, and keeps a colon in the password', async () => {
    const file = write('config.json', {
      'other.example.org': { auth: b64('x:y') },
      'https://registry.example.org:5000/v1/': { auth: b64('operator:pa:ss') },
    });
    expect(await readRegistryCredentials('registry.example.org:5000', [file])).toEqual({
      username: 'operator',
      password: 'pa:ss',
    });
    expect(await readRegistryCredentials('registry.example.org', [file])).toBeUndefined();
  });

  it('looks in the next file when the first has no entry, and says which file is broken', async () => {
    const empty = write('auth.json', {});
    const docker = write('docker.json', { '127.0.0.1:5000': { auth: b64('a:b') } });
    expect(
      await readRegistryCredentials('127.0.0.1:5000', [join(dir, 'missing.json'), empty, docker]),
    ).toEqual({ username: 'a', password: 'b' });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    await expect(readRegistryCredentials('127.0.0.1:5000', [broken])).rejects.toMatchObject({
      code: 'TNB611',
      message: expect.stringContaining(broken),
    });
  });
});
