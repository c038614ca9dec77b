import { describe, expect, it } from 'vitest';
import { parseSha256Sums, renderSha256Sums } from '../../release/index.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('renderSha256Sums / parseSha256Sums', () => {
  it('writes GNU sha256sum lines sorted by name, and reads them back', () => {
    const text = renderSha256Sums([
      { file: 'node-1.0-x86_64.qcow2.zst', sha256: B },
      { file: 'manifest.json', sha256: A },
    ]);
    expect(text).toBe(`${A}  manifest.json\n${B}  node-1.0-x86_64.qcow2.zst\n`);
    expect(parseSha256Sums(text)).toEqual([
      { file: 'manifest.json', sha256: A },
      { file: 'node-1.0-x86_64.qcow2.zst', sha256: B },
    ]);
  });

  it('accepts the binary-mode marker sha256sum -b writes', () => {
    expect(parseSha256Sums(`${A} *manifest.json\n`)).toEqual([{ file: 'manifest.json', sha256: A }]);
  });

  it.each([
    ['a path outside the folder', `${A}  ../etc/passwd\n`, 'line 1'],
    ['a subfolder', `${A}  sub/file\n`, 'line 1'],
    ['an absolute path', `${A}  /etc/passwd\n`, 'line 1'],
    ['upper-case hex', `${A.toUpperCase()}  manifest.json\n`, 'line 1'],
    ['a short hash', `abc  manifest.json\n`, 'line 1'],
    ['a BSD-style line', `SHA256 (manifest.json) = ${A}\n`, 'line 1'],
    ['a name listed twice', `${A}  manifest.json\n${B}  manifest.json\n`, 'lists manifest.json twice'],
    ['nothing', '', 'empty'],
  ])('refuses %s (TNB600)', (_what, text, message) => {
    expect(() => parseSha256Sums(text)).toThrow(
      expect.objectContaining({ code: 'TNB600', message: expect.stringContaining(message) }),
    );
  });
});
