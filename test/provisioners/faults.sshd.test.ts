import { readFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTnbuildError } from '../../errors/index.ts';
import { fingerprintHostKey } from '../../provisioners/host-key.ts';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import type { ProvisionEvent } from '../../provisioners/provision-events.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { sshKeyPair } from '../helpers/ssh-key-pair.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// Faults against a real sshd: a wrong host key, a hanging command, a failing step, a connection that drops mid-step.
let sshd: TestSshd;
let sandbox: { dir: string; remove: () => Promise<void> };
const sessions: SshSession[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  sandbox = await makeSandbox();
});
afterAll(async () => {
  for (const session of sessions) await session.close();
  await sshd?.close();
  await sandbox?.remove();
});

async function open(extra: Parameters<typeof connectTo>[1] = {}): Promise<SshSession> {
  const session = await connectTo(sshd, extra);
  sessions.push(session);
  return session;
}

const run = (session: SshSession, steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) =>
  provision({ session, steps, family: 'debian', arch: 'x86_64', ...extra });

async function readTranscript(file: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('host key pinning', () => {
  it('refuses a guest whose host key differs from the pinned one (TNB403), without retrying', async () => {
    const other = sshKeyPair();
    const wrong = fingerprintHostKey(
      ssh2.utils.parseKey(other.public) instanceof Error
        ? Buffer.alloc(0)
        : (ssh2.utils.parseKey(other.public) as { getPublicSSH(): Buffer }).getPublicSSH(),
    );
    const started = Date.now();
    const error = await connectTo(sshd, { hostKeySha256: wrong, connectAttempts: 5 }).catch(
      (failure: unknown) => failure,
    );
    expect(isTnbuildError(error) && error.code).toBe('TNB403');
    expect(isTnbuildError(error) && error.details).toEqual([
      `expected ${wrong}`,
      `got      ${sshd.hostKeySha256}`,
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('accepts the fingerprint as ssh-keygen prints it and refuses a malformed one', async () => {
    const session = await open({ hostKeySha256: sshd.hostKeySha256 });
    expect((await session.exec('echo pinned')).stdout).toBe('pinned\n');
    await expect(connectTo(sshd, { hostKeySha256: 'md5:aa:bb' })).rejects.toThrow(
      /expected a host key fingerprint/,
    );
  });
});

describe('a command that hangs', () => {
  it('is killed at its timeout (TNB402); the run stops there and names the step', async () => {
    const session = await open();
    const marker = `${sandbox.dir}/after-hang`;
    const result = await run(session, [
      step.shell('sleep 30.4321', { name: 'wait for ever', timeoutMs: 800 }),
      step.file(marker, { content: 'x' }),
    ]);
    expect(result.error?.code).toBe('TNB402');
    expect(result.error?.message).toMatch(
      /^step "wait for ever" \(shell\): a command did not finish within 800 ms and was killed/,
    );
    expect(result.error?.field).toMatch(/^steps\[\d+\]$/);
    expect(result.recap).toMatchObject({ ok: 0, changed: 0, failed: 1 });
    await expect(stat(marker)).rejects.toThrow();
    // sshd delivered the KILL to the command's process group: nothing is left sleeping.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ps = await execa('ps', ['-eo', 'args'], { reject: false });
    expect(ps.stdout.split('\n').filter((line) => line.includes('sleep 30.4321'))).toEqual([]);
    // The connection is still good for the next run.
    expect((await session.exec('echo alive')).stdout).toBe('alive\n');
  });
});

describe('a failing step', () => {
  it('stops the run and leaves the recap and the transcript', async () => {
    const session = await open();
    const dir = `${sandbox.dir}/failing`;
    const transcriptPath = `${dir}/log/transcript.jsonl`;
    const result = await run(
      session,
      [
        step.file(`${dir}/before`, { content: 'done\n' }),
        step.shell('echo "first line"; echo "it broke" >&2; exit 3', { name: 'break on purpose' }),
        step.file(`${dir}/after`, { content: 'never\n' }),
      ],
      { transcriptPath },
    );
    expect(result.error?.code).toBe('TNB401');
    expect(result.error?.message).toBe(
      'step "break on purpose" (shell): the command (as root) failed (exit 3)',
    );
    expect(result.error?.details.slice(1)).toEqual(['| it broke']);
    expect(result.recap).toMatchObject({ ok: 0, changed: 1, failed: 1, skipped: 0 });
    expect(result.steps.map((report) => report.status)).toEqual(['changed', 'failed']);
    await expect(stat(`${dir}/after`)).rejects.toThrow();
    const lines = await readTranscript(transcriptPath);
    expect(lines.map((line) => line.type)).toEqual(['start', 'step', 'step', 'recap']);
    expect(lines[2]).toMatchObject({
      name: 'break on purpose',
      module: 'shell',
      status: 'failed',
      error: { code: 'TNB401' },
    });
    expect(lines[3]).toMatchObject({ ok: 0, changed: 1, failed: 1, error: { code: 'TNB401' } });
  });
});

describe('quick commands', () => {
  // Regression: ssh2 can deliver the channel confirmation, the output, the exit status and the close in one read;
  // listeners attached a microtask later missed the exit status and a healthy connection looked lost.
  it('never lose their exit status, 150 in a row', async () => {
    const session = await open();
    for (let index = 0; index < 150; index += 1) {
      const result = await session.exec(index % 2 === 0 ? 'true' : 'exit 3');
      expect(result.exitCode).toBe(index % 2 === 0 ? 0 : 3);
    }
  });
});

describe('a connection that drops mid-run', () => {
  it('reconnects (sshd restarted) and runs a step with a guard again', async () => {
    const session = await open({ connectAttempts: 8 });
    const done = `${sandbox.dir}/drop-safe-done`;
    const events: ProvisionEvent[] = [];
    const slow = step.shell(`sleep 1.5 && touch ${done}`, { name: 'slow and guarded', creates: done });
    const onEvent = (event: ProvisionEvent) => {
      events.push(event);
      if (
        event.type === 'step-start' &&
        event.name === 'slow and guarded' &&
        !events.some((seen) => seen.type === 'reconnect')
      ) {
        setTimeout(async () => {
          await sshd.stop();
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sshd.start();
        }, 500);
      }
    };
    const result = await run(
      session,
      [step.file(`${sandbox.dir}/drop-safe-before`, { content: 'x' }), slow],
      { onEvent },
    );
    expect(result.error).toBeUndefined();
    expect(
      events
        .filter((event) => event.type === 'reconnect')
        .map((event) => event.type === 'reconnect' && event.name),
    ).toEqual(['slow and guarded']);
    // The interrupted command may live on without sshd and finish first: then the guard skips the retry.
    expect(['changed', 'skipped']).toContain(result.steps[1]?.status);
    await expect(stat(done)).resolves.toBeTruthy();
  });

  it('fails clearly, naming the step, when the step is not safe to run twice (TNB406)', async () => {
    const session = await open();
    const transcriptPath = `${sandbox.dir}/drop-unsafe/transcript.jsonl`;
    const onEvent = (event: ProvisionEvent) => {
      if (event.type === 'step-start' && event.name === 'append once')
        setTimeout(() => void sshd.dropConnections(), 400);
    };
    const result = await run(
      session,
      [step.shell(`sleep 1.5; echo once >> ${sandbox.dir}/appended`, { name: 'append once' })],
      {
        onEvent,
        transcriptPath,
      },
    );
    expect(result.error?.code).toBe('TNB406');
    expect(result.error?.message).toMatch(
      /^step "append once" \(shell\): the SSH connection to root@127\.0\.0\.1:\d+ was lost during a command; it is a shell command without `creates` or `unless`, so it was not run again/,
    );
    expect(result.recap).toMatchObject({ failed: 1 });
    const lines = await readTranscript(transcriptPath);
    expect(lines.at(-1)).toMatchObject({ type: 'recap', failed: 1, error: { code: 'TNB406' } });
  });

  it('reconnects without fuss when the connection dropped between commands', async () => {
    const session = await open();
    expect((await session.exec('echo one')).stdout).toBe('one\n');
    await sshd.dropConnections();
    expect((await session.exec('echo two')).stdout).toBe('two\n');
    await sshd.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await session.exec('echo three')).stdout).toBe('three\n');
  });
});

describe('the transcript', () => {
  it('redacts private keys, secret-named fields and file contents', async () => {
    const session = await open();
    const dir = `${sandbox.dir}/secrets`;
    const privateKey = sshKeyPair().private;
    const transcriptPath = `${dir}/transcript.jsonl`;
    const result = await run(
      session,
      [
        step.file(`${dir}/id_ed25519`, { content: privateKey, mode: '0600' }),
        step.shell(`echo '${privateKey.split('\n')[0]}' > /dev/null`, { name: 'mentions a key' }),
      ],
      { transcriptPath, diff: true },
    );
    expect(result.error).toBeUndefined();
    const text = await readFile(transcriptPath, 'utf8');
    expect(text).not.toContain('PRIVATE KEY-----\n');
    expect(text).not.toContain(privateKey.split('\n')[1]);
    const [, fileLine, shellLine] = await readTranscript(transcriptPath);
    expect((fileLine?.args as { content: unknown } | undefined)?.content).toMatchObject({
      bytes: privateKey.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(fileLine?.diff).toBe('[redacted]');
    expect((shellLine?.args as { run: string } | undefined)?.run).toBe('[redacted: private key]');
  });
});
