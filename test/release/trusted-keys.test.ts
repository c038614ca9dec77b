import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrustedKeys } from '../../release/trusted-keys.ts';
import { makeTempDir } from './helpers/release-fixtures.ts';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyNCe/pN3qoFOZO1W3hC8qJrx+6ZTnpX3x7b/pXF/ss';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIClLF7W3ZhSjS6JrAG238MPstQfzcFIeAm1BsA3FCEI';
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

afterAll(async () => {
  await execa('rm', ['-rf', dir]);
});

describe('resolveTrustedKeys', () => {
  it('turns a public key given on the command line into an allowed_signers file limited to tnbuild-release', async () => {
    const path = await resolveTrustedKeys(`${KEY_A} releases@example.org`, dir);
    expect(await readFile(path, 'utf8')).toBe(`releases@example.org namespaces="tnbuild-release" ${KEY_A}\n`);
  });

  it('turns a .pub file of several keys into one line each; a comment that is not a principal becomes trusted-key-N', async () => {
    const pub = join(dir, 'keys.pub');
    await writeFile(pub, `# release keys\n${KEY_A} alice\n${KEY_B} Build Host 2\n`);
    const path = await resolveTrustedKeys(pub, dir);
    expect(await readFile(path, 'utf8')).toBe(
      `alice namespaces="tnbuild-release" ${KEY_A}\ntrusted-key-2 namespaces="tnbuild-release" ${KEY_B}\n`,
    );
  });

  it('uses an allowed_signers file as it is', async () => {
    const allowed = join(dir, 'allowed_signers');
    await writeFile(allowed, `alice,bob namespaces="tnbuild-release" ${KEY_A}\n`);
    expect(await resolveTrustedKeys(allowed, dir)).toBe(allowed);
  });

  it('refuses an empty file (TNB603)', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '# nothing\n');
    await expect(resolveTrustedKeys(empty, dir)).rejects.toMatchObject({
      code: 'TNB603',
      message: expect.stringContaining('holds no keys'),
    });
  });
});
