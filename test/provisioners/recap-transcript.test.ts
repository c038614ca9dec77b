import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countRecap, formatDuration, formatRecap } from '../../provisioners/recap.ts';
import { isSecretPath, redactStepArgs, redactText } from '../../provisioners/redact-args.ts';
import { unifiedDiff } from '../../provisioners/unified-diff.ts';
import { step } from './helpers/steps.ts';

describe('recap', () => {
  it('counts statuses and prints an Ansible-style line with the total time', () => {
    const recap = countRecap(['ok', 'changed', 'ok', 'skipped', 'failed'], 4213.7);
    expect(recap).toEqual({ ok: 2, changed: 1, failed: 1, skipped: 1, durationMs: 4213.7 });
    expect(formatRecap(recap, 'trustnet-node')).toBe(
      'trustnet-node : ok=2 changed=1 failed=1 skipped=1   in 4.21 s',
    );
    expect(formatRecap(countRecap([], 12), undefined)).toBe('ok=0 changed=0 failed=0 skipped=0   in 12 ms');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('transcript redaction', () => {
  it('keeps a file content only as its size and sha256', () => {
    const args = redactStepArgs(step.file('/etc/app.conf', { content: 'password = hunter2\n' }));
    expect(args.content).toEqual({
      bytes: 19,
      sha256: createHash('sha256').update('password = hunter2\n').digest('hex'),
    });
    expect(JSON.stringify(args)).not.toContain('hunter2');
  });

  it('replaces fields named like secrets and keys, at any depth', () => {
    const service = step.service('api', {
      define: {
        description: 'x',
        command: '/bin/api',
        args: [],
        user: 'root',
        directory: '/',
        env: { API_TOKEN: 't0k3n', DB_PASSWORD: 'pw', MODE: 'prod' },
        after: [],
      },
    });
    expect((redactStepArgs(service).define as { env: unknown }).env).toEqual({
      API_TOKEN: '[redacted]',
      DB_PASSWORD: '[redacted]',
      MODE: 'prod',
    });
    expect(
      redactStepArgs(step.user('warden', { authorizedKeys: ['ssh-ed25519 AAAA x'] })).authorizedKeys,
    ).toBe('[redacted]');
  });

  it('removes private keys from any text', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(redactStepArgs(step.shell(`echo '${key}' > /root/.ssh/id`)).run).toBe('[redacted: private key]');
    expect(redactText(`before\n${key}after`)).toBe('before\n[redacted: private key]\nafter');
  });

  it('knows secret-looking file names', () => {
    expect(
      [
        '/etc/ssh/ssh_host_ed25519_key',
        '/root/.ssh/id_ed25519',
        '/x/priv_validator_key.json',
        '/etc/tls/server.pem',
        '/etc/shadow',
      ].map(isSecretPath),
    ).toEqual([true, true, true, true, true]);
    expect(['/etc/app.conf', '/home/warden/.cometbft/config/config.toml'].map(isSecretPath)).toEqual([
      false,
      false,
    ]);
  });
});

describe('unifiedDiff', () => {
  it('matches diff -u, hunks and missing final newlines included', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\n';
    expect(unifiedDiff(before, after, { from: 'old', to: 'new' })).toBe(
      '--- old\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -7,4 +7,5 @@\n g\n h\n i\n-j\n+J\n+k\n',
    );
    expect(unifiedDiff('old', 'old\n', { from: 'a', to: 'b' })).toBe(
      '--- a\n+++ b\n@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+old\n',
    );
    expect(unifiedDiff('same\n', 'same\n', { from: 'a', to: 'b' })).toBe('');
    expect(unifiedDiff('a\0b', 'c', { from: 'a', to: 'b' })).toBe('--- a\n+++ b\nBinary files differ\n');
  });
});
