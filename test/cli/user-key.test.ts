import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveUserKey } from '../../cli/user-key.ts';

// The key clones let in, made once in ~/.vms/ssh on a machine with none: `install` creates its clones side by
// side, so several callers ask for it at the same moment.
let home: string;
const realHome = process.env.HOME;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tnbuild-user-key-'));
  process.env.HOME = home;
});
afterEach(() => {
  process.env.HOME = realHome;
  rmSync(home, { recursive: true, force: true });
});

describe('resolveUserKey', () => {
  it('makes one key when several callers ask at once, and every caller gets it', async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => resolveUserKey()));
    const dir = join(home, '.vms', 'ssh');
    const onDisk = readFileSync(join(dir, 'id_ed25519.pub'), 'utf8').trim();
    expect(keys.map((key) => key.publicKey)).toEqual(Array(4).fill(onDisk));
    expect(keys.every((key) => key.identityFile === join(dir, 'id_ed25519'))).toBe(true);
    // The private key matches the public one, and no scratch folder is left.
    const derived = await execa('ssh-keygen', ['-y', '-f', join(dir, 'id_ed25519')]);
    expect(onDisk.startsWith(derived.stdout.trim())).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['id_ed25519', 'id_ed25519.pub']);
    expect(statSync(join(dir, 'id_ed25519')).mode & 0o077).toBe(0);
  }, 20_000);

  it('derives the public half when only the private key is there (a run cut off between the two)', async () => {
    const first = await resolveUserKey();
    rmSync(`${first.identityFile}.pub`);
    const again = await resolveUserKey();
    expect(again.identityFile).toBe(first.identityFile);
    expect(again.publicKey.split(' ').slice(0, 2)).toEqual(first.publicKey.split(' ').slice(0, 2));
    expect(readFileSync(`${first.identityFile}.pub`, 'utf8').trim()).toBe(again.publicKey);
  });
});
