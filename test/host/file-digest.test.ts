import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDigestsFile, fileDigests } from '../../host/file-digest.ts';

let dir: string;
let record: string;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
// A clock ten seconds ahead: files the test just wrote count as settled, so their digests are remembered.
const later = () => (BigInt(Date.now()) + 10_000n) * 1_000_000n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tnb-digest-'));
  record = join(dir, 'cache', 'digests.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A record naming `path` with its current stat, as tnbuild writes it, but with another digest. */
function forge(path: string, sha256: string, into = record): void {
  writeFileSync(into, JSON.stringify({ [path]: { stat: statKey(path), sha256, recordedAt: Date.now() } }));
}

function statKey(path: string): string {
  const stat = statSync(path, { bigint: true });
  return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(':');
}

describe('file digests', () => {
  it('hashes a settled file once: the next process knows it by its stat alone, and a change is hashed again', () => {
    const rootfs = file('rootfs.tar', 'first');
    expect(fileDigests(record, { nowNs: later }).sha256(rootfs)).toBe(sha('first'));
    const saved = JSON.parse(readFileSync(record, 'utf8'));
    expect(saved[rootfs]).toEqual({
      stat: statKey(rootfs),
      sha256: sha('first'),
      recordedAt: expect.any(Number),
    });
    expect(statKey(rootfs).split(':')[2]).toBe('5');
    expect(statSync(record).mode & 0o777).toBe(0o600);

    // Known by its stat: a record that says otherwise for the same stat is believed (nothing was read)…
    forge(rootfs, 'a'.repeat(64));
    expect(fileDigests(record, { nowNs: later }).sha256(rootfs)).toBe('a'.repeat(64));
    // …until the file changes: its ctime moves, so it is read again.
    appendFileSync(rootfs, '!');
    expect(fileDigests(record, { nowNs: later }).sha256(rootfs)).toBe(sha('first!'));
  });

  it('never remembers a file changed in the last two seconds (its next change could keep the same timestamps)', () => {
    const fresh = file('fresh.iso', 'now');
    const digests = fileDigests(record);
    expect(digests.sha256(fresh)).toBe(sha('now'));
    expect(() => readFileSync(record)).toThrow(/ENOENT/);
  });

  it('another file renamed into the path, same size and content length, is hashed anew (its inode differs)', () => {
    const path = file('disk.img', 'aaaa');
    fileDigests(record, { nowNs: later }).sha256(path);
    renameSync(file('other.img', 'bbbb'), path);
    expect(fileDigests(record, { nowNs: later }).sha256(path)).toBe(sha('bbbb'));
  });

  it('ignores a record that is a FIFO, a symlink, oversized, malformed or holds entries not of its shape', async () => {
    const path = file('rootfs.tar', 'content');
    const forged = join(dir, 'forged.json');
    forge(path, 'b'.repeat(64), forged);
    await execa('mkdir', ['-p', join(dir, 'cache')]);

    await execa('mkfifo', [record]);
    expect(fileDigests(record).sha256(path)).toBe(sha('content'));
    rmSync(record);

    symlinkSync(forged, record);
    expect(fileDigests(record).sha256(path)).toBe(sha('content'));
    rmSync(record);

    const entry = JSON.parse(readFileSync(forged, 'utf8'))[path];
    writeFileSync(record, JSON.stringify({ [path]: entry, padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(fileDigests(record).sha256(path)).toBe(sha('content'));

    for (const bad of [
      '{"unterminated',
      '[1, 2]',
      JSON.stringify({ [path]: { ...entry, sha256: 'not-hex' } }),
      JSON.stringify({ [path]: { ...entry, stat: `${entry.stat}; rm -rf /` } }),
      JSON.stringify({ 'relative/rootfs.tar': entry }),
    ]) {
      writeFileSync(record, bad);
      expect(fileDigests(record).sha256(path), bad).toBe(sha('content'));
    }
  });

  it('keeps the 256 most recently recorded entries, and a record it cannot write costs only the next hash', () => {
    const digests = fileDigests(record, { nowNs: later });
    for (let index = 0; index < 260; index++) digests.sha256(file(`f${index}`, String(index)));
    const saved = Object.keys(JSON.parse(readFileSync(record, 'utf8')));
    expect(saved).toHaveLength(256);
    expect(saved).toContain(join(dir, 'f259'));

    const blocked = join(file('not-a-folder', ''), 'digests.json');
    expect(fileDigests(blocked, { nowNs: later }).sha256(join(dir, 'f1'))).toBe(sha('1'));
  });

  it('lives beside the download cache', () => {
    expect(defaultDigestsFile({ TNBUILD_CACHE: '/srv/cache' })).toBe('/srv/cache/digests.json');
    expect(defaultDigestsFile({})).toMatch(/\/\.vms\/cache\/digests\.json$/);
  });
});
