import { chmod, copyFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseTemplate } from '../../release/index.ts';
import type { Template } from '../../templates/index.ts';
import { makeStoredTemplate, makeTempDir } from './helpers/release-fixtures.ts';

let root: string;
let template: Template;

beforeAll(async () => {
  root = await makeTempDir();
  ({ template } = await makeStoredTemplate(join(root, 'build-host')));
}, 60_000);

afterAll(async () => {
  await execa('rm', ['-rf', root]);
});

async function keygen(name: string, args: string[]): Promise<string> {
  const path = join(root, name);
  await execa('ssh-keygen', ['-q', '-C', name, '-f', path, ...args], { input: '' });
  return path;
}

/** Fails before any slow work: no progress event, and not even the releases folder is created. */
async function expectRefusedEarly(key: string, message: RegExp, hint?: RegExp) {
  const outDir = join(root, 'releases');
  let progressed = false;
  const error = await releaseTemplate({
    template,
    version: '1.0.0',
    key,
    outDir,
    onProgress: () => (progressed = true),
  }).catch((caught) => caught);
  expect(error).toMatchObject({ code: 'TNB601', message: expect.stringMatching(message) });
  if (hint) expect(error.hint).toMatch(hint);
  expect(progressed).toBe(false);
  expect(await stat(outDir).catch(() => undefined)).toBeUndefined();
}

describe('the release signing key is checked before compressing', () => {
  it('a missing key file', async () => {
    await expectRefusedEarly(join(root, 'absent'), /no signing key at .*absent/, /ssh-keygen -t ed25519/);
  });

  it('an RSA key', async () => {
    await expectRefusedEarly(
      await keygen('rsa', ['-t', 'rsa', '-b', '2048', '-N', '']),
      /is a ssh-rsa key; releases are signed with ed25519 keys only/,
    );
  });

  it('a key other users can read', async () => {
    const key = await keygen('loose', ['-t', 'ed25519', '-N', '']);
    await chmod(key, 0o644);
    await expectRefusedEarly(key, /other users can read it/, /chmod 600/);
  });

  it('a key with a passphrase', async () => {
    await expectRefusedEarly(
      await keygen('locked', ['-t', 'ed25519', '-N', 'secret phrase']),
      /protected by a passphrase/,
    );
  });

  it('a file that is not a key', async () => {
    const path = join(root, 'notes.txt');
    await writeFile(path, 'not a key\n', { mode: 0o600 });
    await expectRefusedEarly(path, /not an SSH private key/);
  });

  it('the public half instead of the private key', async () => {
    const key = await keygen('pair', ['-t', 'ed25519', '-N', '']);
    const pub = join(root, 'pair-copy.pub');
    await copyFile(`${key}.pub`, pub);
    await chmod(pub, 0o600);
    await expectRefusedEarly(pub, /not an SSH private key/);
  });
});

describe('release names', () => {
  it('refuses a version that cannot be a file name (TNB110) before reading the key', async () => {
    await expect(
      releaseTemplate({ template, version: '../1.0', key: join(root, 'absent') }),
    ).rejects.toMatchObject({
      code: 'TNB110',
      message: expect.stringContaining('release version "../1.0"'),
    });
  });
});
