import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TnbuildError } from '../../errors/index.ts';
import { formatError } from '../../errors/tnbuild-error.ts';
import { clearSecrets, redactFileInPlace, redactSecrets, registerSecrets } from '../../host/secret-values.ts';

afterEach(() => clearSecrets());

describe('redactSecrets', () => {
  it('leaves text alone while no secret is known', () => {
    expect(redactSecrets('password hunter2hunter2')).toBe('password hunter2hunter2');
  });

  it('replaces a value as is, JSON-escaped and shell-quoted, even one full of regex syntax', () => {
    const value = `p(a)ss.w*rd+'"$1\\`;
    registerSecrets({ dbPassword: value });
    expect(redactSecrets(`login -p ${value} done`)).toBe('login -p [secret dbPassword] done');
    expect(redactSecrets(JSON.stringify({ run: `echo ${value}` }))).toBe(
      '{"run":"echo [secret dbPassword]"}',
    );
    expect(redactSecrets(`sh -c 'echo ${value.replaceAll("'", `'\\''`)}'`)).toBe(
      "sh -c 'echo [secret dbPassword]'",
    );
    // The pattern is the value itself, not a regex made of it: look-alikes stay.
    expect(redactSecrets('pXaXssXwrd pass.word')).toBe('pXaXssXwrd pass.word');
  });

  it('replaces every line of a multi-line secret, so output split by lines leaks no part of a key', () => {
    const key = 'line-one-of-the-key\nline-two-of-the-key\n';
    registerSecrets({ deployKey: key });
    expect(redactSecrets('> line-two-of-the-key <')).toBe('> [secret deployKey] <');
  });

  it('reaches error reports, and log files rewritten in place (0600)', async () => {
    registerSecrets({ token: 's3cr3t-t0ken' });
    const error = new TnbuildError('TNB400', 'curl failed: 401 for s3cr3t-t0ken', {
      details: ['stderr: bad token s3cr3t-t0ken'],
    });
    expect(formatError(error)).not.toContain('s3cr3t-t0ken');
    expect(formatError(error)).toContain('401 for [secret token]');
    const dir = await mkdtemp(join(tmpdir(), 'tnbuild-secret-'));
    const log = join(dir, 'serial.log');
    await writeFile(log, 'boot\nexport TOKEN=s3cr3t-t0ken\n', { mode: 0o644 });
    await redactFileInPlace(log);
    expect(await readFile(log, 'utf8')).toBe('boot\nexport TOKEN=[secret token]\n');
    expect((await stat(log)).mode & 0o777).toBe(0o600);
  });
});
