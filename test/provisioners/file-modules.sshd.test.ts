import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import type { ProvisionEvent } from '../../provisioners/provision-events.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// file, template, directory and absent against a real sshd, as root, inside a temp dir standing in for the guest.
let sshd: TestSshd;
let session: SshSession;
let sandbox: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  sshd = await startSshd();
  session = await connectTo(sshd);
  sandbox = await makeSandbox();
});
afterAll(async () => {
  await session?.close();
  await sshd?.close();
  await sandbox?.remove();
});

const run = (steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) =>
  provision({ session, steps, family: 'debian', arch: 'x86_64', ...extra });

describe('file and template modules over SSH', () => {
  it('creates, then reports ok on the second run (changed=0)', async () => {
    const dir = path.join(sandbox.dir, 'idempotent');
    const steps = [
      step.file(`${dir}/etc/app`, { state: 'directory', mode: '0750' }),
      step.file(`${dir}/etc/app/app.conf`, { content: 'listen = 8000\n', mode: '0600' }),
      step.template(`${dir}/etc/app/rendered.toml`, 'moniker = "node"\n'),
      step.file(`${dir}/etc/app/old.conf`, { state: 'absent' }),
    ];
    await writeFile(`${sandbox.dir}/unused`, '');
    const first = await run(steps);
    expect(first.error).toBeUndefined();
    expect(first.recap).toMatchObject({ ok: 1, changed: 3, failed: 0 });
    expect(await readFile(`${dir}/etc/app/app.conf`, 'utf8')).toBe('listen = 8000\n');
    expect((await stat(`${dir}/etc/app/app.conf`)).mode & 0o7777).toBe(0o600);
    expect((await stat(`${dir}/etc/app`)).mode & 0o7777).toBe(0o750);

    const second = await run(steps);
    expect(second.recap).toMatchObject({ ok: 4, changed: 0, failed: 0 });
    expect(second.steps.map((report) => report.reason)).toEqual([
      'up to date',
      'up to date',
      'up to date',
      'already absent',
    ]);
  });

  it('fixes only what drifted: a mode, then the content', async () => {
    const file = path.join(sandbox.dir, 'drift.conf');
    const steps = [step.file(file, { content: 'a\nb\nc\n', mode: '0644' })];
    await run(steps);
    await chmod(file, 0o666);
    const modeFix = await run(steps);
    expect(modeFix.steps[0]).toMatchObject({ status: 'changed', reason: 'set mode 0666 → 0644' });
    await writeFile(file, 'a\nB\nc\n');
    const contentFix = await run(steps, { diff: true });
    expect(contentFix.steps[0]?.reason).toBe('update content');
    expect(contentFix.steps[0]?.diff).toBe(
      `--- ${file} (guest)\n+++ ${file} (recipe)\n@@ -1,3 +1,3 @@\n a\n-B\n+b\n c\n`,
    );
    expect(await readFile(file, 'utf8')).toBe('a\nb\nc\n');
  });

  it('check mode reports what would change, with a diff, and changes nothing', async () => {
    const dir = path.join(sandbox.dir, 'check');
    await run([step.file(`${dir}/keep.conf`, { content: 'old\n' })]);
    const steps = [
      step.file(`${dir}/keep.conf`, { content: 'new\n', mode: '0600' }),
      step.file(`${dir}/new-dir`, { state: 'directory' }),
      step.file(`${dir}/keep.conf.bak`, { state: 'absent' }),
      step.template(`${dir}/fresh.toml`, 'x = 1\n'),
      step.shell(`touch ${dir}/ran`),
    ];
    const events: ProvisionEvent[] = [];
    const checked = await run(steps, { check: true, diff: true, onEvent: (event) => events.push(event) });
    expect(checked.error).toBeUndefined();
    expect(checked.steps.map((report) => [report.status, report.reason])).toEqual([
      ['changed', 'would update content, mode 0644 → 0600'],
      ['changed', 'would create the directory (0755 root:root)'],
      ['ok', 'already absent'],
      ['changed', 'would create (6 bytes, 0644 root:root)'],
      ['changed', 'would run as root'],
    ]);
    expect(checked.steps[0]?.diff).toContain('-old\n+new\n');
    expect(checked.steps[3]?.diff).toBe(
      `--- /dev/null\n+++ ${dir}/fresh.toml (recipe)\n@@ -0,0 +1 @@\n+x = 1\n`,
    );
    expect(await readFile(`${dir}/keep.conf`, 'utf8')).toBe('old\n');
    expect((await stat(`${dir}/keep.conf`)).mode & 0o7777).toBe(0o644);
    await expect(stat(`${dir}/new-dir`)).rejects.toThrow();
    await expect(stat(`${dir}/fresh.toml`)).rejects.toThrow();
    await expect(stat(`${dir}/ran`)).rejects.toThrow();
    expect(
      events
        .filter((event) => event.type === 'step-end')
        .map((event) => event.type === 'step-end' && event.diff !== undefined),
    ).toEqual([true, false, false, true, false]);
  });

  it('sets owner and group, and replaces a binary while it runs (rename, not overwrite: no ETXTBSY)', async () => {
    const dir = path.join(sandbox.dir, 'owner');
    const binary = `${dir}/sleeper`;
    const attrs = { mode: '0755', owner: 'nobody', group: 'nogroup' };
    const first = await run([step.file(binary, { source: { path: '/bin/sleep', sha256: '' }, ...attrs })]);
    expect(first.error).toBeUndefined();
    const info = await stat(binary);
    expect([info.uid, info.mode & 0o7777]).toEqual([65534, 0o755]);
    await session.exec(`${binary} 3 >/dev/null 2>&1 & sleep 0.2; test -d /proc/$!`);
    const replaced = await run([step.file(binary, { source: { path: '/bin/true', sha256: '' }, ...attrs })]);
    expect(replaced.steps[0]).toMatchObject({ status: 'changed', reason: 'update content' });
    expect(await readFile(binary)).toEqual(await readFile('/bin/true'));
  });

  it('probes a run of no-op file steps in one round trip (batched), or one per step', async () => {
    const dir = path.join(sandbox.dir, 'batched');
    const steps = Array.from({ length: 20 }, (_, index) =>
      step.file(`${dir}/f${index}`, { content: `${index}\n` }),
    );
    await run(steps);
    let execs = 0;
    const counting: SshSession = Object.assign(Object.create(session) as SshSession, {
      exec: (command: string, options?: Parameters<SshSession['exec']>[1]) => {
        execs += 1;
        return session.exec(command, options);
      },
    });
    for (const [batchProbes, expected] of [
      [true, 1],
      [false, 20],
    ] as const) {
      execs = 0;
      const result = await provision({
        session: counting,
        steps,
        family: 'debian',
        arch: 'x86_64',
        batchProbes,
      });
      expect(result.recap).toMatchObject({ ok: 20, changed: 0 });
      expect(execs).toBe(expected);
    }
  });
});
