import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import { runChecks } from '../../provisioners/run-checks.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { sshKeyPair } from '../helpers/ssh-key-pair.ts';
import { fakeInitFamily } from './helpers/fake-init.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// user, package, sysctl, network, service + handlers and smoke checks against a real sshd on this Debian machine.
let sshd: TestSshd;
let session: SshSession;
let sandbox: { dir: string; remove: () => Promise<void> };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  session = await connectTo(sshd);
  sandbox = await makeSandbox();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await session?.close();
  await sshd?.close();
  await sandbox?.remove();
});

const run = (steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) =>
  provision({ session, steps, family: 'debian', arch: 'x86_64', ...extra });

describe('user', () => {
  it('creates the account, its groups and authorized_keys; no password; key login works; second run changed=0', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const user = `tnbu${suffix}`;
    const group = `tnbg${suffix}`;
    cleanups.push(() => execa('userdel', ['-r', user], { reject: false }));
    cleanups.push(() => execa('groupdel', [group], { reject: false }));
    const key = sshKeyPair('user-test');
    const steps = [step.user(user, { groups: [group], authorizedKeys: [key.public.trim()] })];

    const first = await run(steps);
    expect(first.error).toBeUndefined();
    expect(first.steps[0]?.reason).toBe(
      `create ${user}; group ${group}; set up /home/${user}/.ssh, authorized_keys: create (${key.public.trim().length + 1} bytes, 0600 ${user}:${user})`,
    );
    const shadow = (await readFile('/etc/shadow', 'utf8'))
      .split('\n')
      .find((line) => line.startsWith(`${user}:`));
    expect(shadow?.split(':')[1]).toBe('*');
    expect((await execa('id', ['-Gn', user])).stdout.split(' ')).toEqual([user, group]);
    const keys = await stat(`/home/${user}/.ssh/authorized_keys`);
    expect(keys.mode & 0o7777).toBe(0o600);
    expect((await stat(`/home/${user}/.ssh`)).mode & 0o7777).toBe(0o700);

    const second = await run(steps);
    expect(second.recap).toMatchObject({ ok: 1, changed: 0 });

    // The managed key logs in (the test sshd also reads ~/.ssh/authorized_keys).
    const asUser = await connectTo(sshd, { username: user, privateKey: key.private });
    expect((await asUser.exec('id -un', { user })).stdout.trim()).toBe(user);
    await asUser.close();

    // Drift: a password set by hand and a changed shell are put back.
    await execa('usermod', ['-p', '$6$abc$def', '-s', '/bin/bash', user]);
    const third = await run(steps);
    expect(third.steps[0]?.reason).toBe('shell /bin/bash → /bin/sh; password set → none');
  });
});

describe('package', () => {
  it('reports an installed package as ok without touching apt', async () => {
    const result = await run([step.packages(['coreutils', 'bash'])]);
    expect(result.steps[0]).toMatchObject({ status: 'ok', reason: 'all 2 installed' });
  });

  it('fails clearly for a package that does not exist (TNB404)', { timeout: 180_000 }, async () => {
    const result = await run([step.packages(['coreutils', 'tnbuild-no-such-package'], { name: 'tools' })]);
    expect(result.error?.code).toBe('TNB404');
    expect(result.error?.message).toBe(
      `step "tools" (package): no package named tnbuild-no-such-package in the guest's apt repositories`,
    );
  });

  it('check mode says what it would install', async () => {
    const result = await run([step.packages(['coreutils', 'tnbuild-no-such-package'])], { check: true });
    expect(result.steps[0]).toMatchObject({
      status: 'changed',
      reason: 'would install tnbuild-no-such-package',
    });
  });
});

describe('sysctl', () => {
  it('writes the sysctl.d file, applies it, and is ok the second time', async () => {
    const dir = `${sandbox.dir}/sysctl`;
    const family = fakeInitFamily(dir);
    const swappiness = (await execa('sysctl', ['-n', 'vm.swappiness'])).stdout.trim();
    const steps = [step.sysctl({ 'vm.swappiness': swappiness }, { file: '90-test.conf' })];
    const first = await run(steps, { family });
    expect(first.steps[0]).toMatchObject({ status: 'changed' });
    expect(await readFile(`${dir}/sysctl.d/90-test.conf`, 'utf8')).toBe(
      `# Managed by tnbuild: changes here are overwritten by the next provisioning run.\nvm.swappiness = ${swappiness}\n`,
    );
    const second = await run(steps, { family });
    expect(second.steps[0]).toMatchObject({ status: 'ok', reason: '1 setting(s) in effect' });
  });

  it('fails clearly on a key the kernel does not have', async () => {
    const family = fakeInitFamily(`${sandbox.dir}/sysctl-bad`);
    const result = await run([step.sysctl({ 'tnbuild.no.such.key': '1' }, { name: 'bad key' })], { family });
    expect(result.error?.code).toBe('TNB401');
    expect(result.error?.message).toMatch(/^step "bad key" \(sysctl\): applying .*90-tnbuild\.conf failed/);
  });
});

describe('network', () => {
  it('adds a managed stanza next to the existing ones and brings the interface up once', async () => {
    const dir = `${sandbox.dir}/network`;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/interfaces`, 'auto lo\niface lo inet loopback\n');
    const family = fakeInitFamily(dir);
    // lo already carries ::1/128, so the "live" probe is real; ifup is replaced (this machine's network stays alone).
    const steps = [step.network('lo', '0:0::1', 128)];
    const first = await run(steps, { family, diff: true });
    expect(first.steps[0]?.status).toBe('changed');
    expect(await readFile(`${dir}/interfaces`, 'utf8')).toBe(
      'auto lo\niface lo inet loopback\n\n# BEGIN tnbuild network lo\nauto lo\niface lo inet6 static\n\taddress ::1/128\n\tdad-attempts 0\n# END tnbuild network lo\n',
    );
    expect(await readFile(`${dir}/actions`, 'utf8')).toBe('ifup lo\n');
    const second = await run(steps, { family });
    expect(second.steps[0]).toMatchObject({ status: 'ok', reason: '::1/128 on lo' });
    expect(await readFile(`${dir}/actions`, 'utf8')).toBe('ifup lo\n');
  });

  it('fails clearly when the guest has no such interface', async () => {
    const family = fakeInitFamily(`${sandbox.dir}/network-missing`);
    const result = await run([step.network('eth9', 'fd10:1234::1', 64)], { family });
    expect(result.error?.message).toMatch(
      /the guest has no interface eth9: the builder must attach a second NIC/,
    );
  });
});

describe('service and handlers', () => {
  it('defines, enables and starts; restarts once at the end for several notifications; then changed=0', async () => {
    const dir = `${sandbox.dir}/handlers`;
    const family = fakeInitFamily(dir);
    const define = {
      description: 'demo',
      command: '/bin/sleep',
      args: ['1000'],
      user: 'nobody',
      directory: '/',
      env: {},
      after: ['net'],
    };
    const steps = [
      step.service('demo', { define }),
      step.file(`${dir}/demo-a.conf`, { content: 'a\n', notify: ['demo'] }),
      step.file(`${dir}/demo-b.conf`, { content: 'b\n', notify: ['demo'] }),
    ];
    const first = await run(steps, { family });
    expect(first.error).toBeUndefined();
    expect(first.steps.map((report) => [report.module, report.status, report.reason])).toEqual([
      [
        'service',
        'changed',
        `${dir}/units/demo.service: create (${(await readFile(`${dir}/units/demo.service`)).length} bytes, 0644 root:root), enable and start`,
      ],
      ['file', 'changed', 'create (2 bytes, 0644 root:root)'],
      ['file', 'changed', 'create (2 bytes, 0644 root:root)'],
      ['handler', 'changed', 'restarted demo'],
    ]);
    expect(await readFile(`${dir}/actions`, 'utf8')).toBe(
      'daemon-reload\nenable demo\nstart demo\nrestart demo\n',
    );

    const second = await run(steps, { family });
    expect(second.recap).toMatchObject({ ok: 3, changed: 0 });
    await writeFile(`${dir}/demo-b.conf`, 'drifted\n');
    const third = await run(steps, { family });
    expect(third.recap).toMatchObject({ ok: 2, changed: 2 });
    expect(await readFile(`${dir}/actions`, 'utf8')).toBe(
      'daemon-reload\nenable demo\nstart demo\nrestart demo\nrestart demo\n',
    );
  });

  it('skips the handler when a later service step already restarted the service', async () => {
    const dir = `${sandbox.dir}/handler-satisfied`;
    const family = fakeInitFamily(dir);
    const define = {
      description: 'demo',
      command: '/bin/sleep',
      args: ['1'],
      user: 'root',
      directory: '/',
      env: {},
      after: [],
    };
    await run([step.service('demo', { define })], { family });
    const steps = [
      step.template(`${dir}/demo.toml`, 'x = 1\n', { notify: ['demo'] }),
      step.service('demo', { define: { ...define, args: ['2'] } }),
    ];
    const result = await run(steps, { family });
    expect(result.steps.map((report) => report.module)).toEqual(['template', 'service']);
    expect(
      (await readFile(`${dir}/actions`, 'utf8')).split('\n').filter((line) => line.startsWith('restart')),
    ).toEqual(['restart demo']);
  });

  it('fails clearly for a service nobody installed or defined', async () => {
    const family = fakeInitFamily(`${sandbox.dir}/no-service`);
    const result = await run([step.service('tnb-missing')], { family });
    expect(result.error?.message).toMatch(/there is no service named tnb-missing in the guest/);
  });

  it('does not run handlers in check mode, and says it would', async () => {
    const dir = `${sandbox.dir}/handler-check`;
    const family = fakeInitFamily(dir);
    const result = await run([step.file(`${dir}/x.conf`, { content: 'x\n', notify: ['demo'] })], {
      family,
      check: true,
    });
    expect(result.steps.map((report) => report.reason)).toEqual([
      'would create (2 bytes, 0644 root:root)',
      'would restart demo',
    ]);
    await expect(stat(`${dir}/actions`)).rejects.toThrow();
  });
});

describe('runChecks', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? 200 : 404;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('checks a command against a pattern, a listening port and an HTTP status from inside the guest', async () => {
    const result = await runChecks(session, [
      { type: 'command', name: 'kernel is Linux', run: 'uname -s', expect: '^Linux$' },
      { type: 'port', name: 'sshd listens', port: sshd.port },
      { type: 'http', name: '/health answers', port, path: '/health', status: 200 },
    ]);
    expect(result.reports.map((report) => [report.name, report.passed, report.detail])).toEqual([
      ['kernel is Linux', true, 'Linux'],
      ['sshd listens', true, `port ${sshd.port} is listening`],
      ['/health answers', true, `GET /health on port ${port}: 200 (expected 200)`],
    ]);
    expect(result.passed).toBe(true);
  });

  it('reports every failed check in one TNB407, after retrying until the deadline', async () => {
    const result = await runChecks(
      session,
      [
        { type: 'command', name: 'wrong output', run: 'echo 1', expect: '^0' },
        { type: 'port', name: 'nothing there', port: 1 },
        { type: 'http', name: 'missing page', port, path: '/nope', status: 200 },
      ],
      { deadlineMs: 1500, intervalMs: 100 },
    );
    expect(result.passed).toBe(false);
    expect(result.error?.code).toBe('TNB407');
    expect(result.error?.details).toEqual([
      'wrong output: output did not match /^0/: "1"',
      'nothing there: nothing listens on TCP port 1',
      `missing page: GET /nope on port ${port}: 404 (expected 200)`,
    ]);
    for (const report of result.reports) expect(report.durationMs).toBeGreaterThanOrEqual(1350);
  });
});
