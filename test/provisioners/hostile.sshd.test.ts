import { chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArtifact } from '../../artifacts/index.ts';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import { runChecks } from '../../provisioners/run-checks.ts';
import { quoteShell } from '../../provisioners/shell-quote.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { makeTarGz, serveFiles, sha256 } from './helpers/archive.ts';
import { fakeInitFamily } from './helpers/fake-init.ts';
import { HOSTILE_NAME, HOSTILE_VALUES, PWNED_PATHS } from './helpers/hostile.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// Hostile values (quotes, $(), backticks, newlines, spaces, globs) through every module. Each either handles the
// value literally or refuses it with a clear error before anything runs. Nothing may ever create a PWNED_PATHS file.
const ONE_LINE = HOSTILE_NAME.replace('\n', ' ');

let sshd: TestSshd;
let session: SshSession;
let sandbox: { dir: string; remove: () => Promise<void> };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  for (const pwned of PWNED_PATHS) await rm(pwned, { force: true });
  sshd = await startSshd();
  session = await connectTo(sshd);
  sandbox = await makeSandbox();
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await session?.close();
  await sshd?.close();
  await sandbox?.remove();
  // The guarantee of the whole file, checked once more at the end.
  await expectNotPwned();
});

const run = (steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) =>
  provision({
    session,
    steps,
    family: fakeInitFamily(`${sandbox.dir}/init`),
    arch: 'x86_64',
    stateDir: `${sandbox.dir}/state`,
    ...extra,
  });

async function expectNotPwned(): Promise<void> {
  for (const pwned of PWNED_PATHS) await expect(stat(pwned), pwned).rejects.toThrow();
}

describe('hostile values', () => {
  it('file, directory, template and absent handle hostile names and contents literally', async () => {
    const dir = `${sandbox.dir}/files`;
    const file = `${dir}/${ONE_LINE}`;
    const content = HOSTILE_VALUES.join('\n');
    const steps = [
      step.file(`${dir}/${ONE_LINE} dir`, { state: 'directory' }),
      step.file(file, { content, mode: '0640' }),
      step.template(`${file}.tmpl`, content),
      step.file(`${dir}/*`, { state: 'absent' }),
    ];
    const first = await run(steps, { diff: true });
    expect(first.error).toBeUndefined();
    expect(await readFile(file, 'utf8')).toBe(content);
    expect(await readFile(`${file}.tmpl`, 'utf8')).toBe(content);
    expect((await readdir(dir)).sort()).toEqual([ONE_LINE, `${ONE_LINE} dir`, `${ONE_LINE}.tmpl`].sort());
    expect((await run(steps)).recap).toMatchObject({ changed: 0 });
    // `*` as a path is a file literally named `*`: removing it must not glob.
    const glob = await run([
      step.file(`${dir}/*`, { content: 'x' }),
      step.file(`${dir}/*`, { state: 'absent' }),
    ]);
    expect(glob.error).toBeUndefined();
    expect((await readdir(dir)).length).toBe(3);
    await expectNotPwned();
  });

  it('refuses a path with a line break before running anything', async () => {
    const result = await run([step.file(`${sandbox.dir}/${HOSTILE_NAME}`, { content: 'x' })]);
    expect(result.error?.message).toMatch(/path cannot contain a line break or NUL/);
    await expectNotPwned();
  });

  it('shell: a hostile script reaches the shell intact as another user; hostile creates/unless are literal', async () => {
    const dir = `${sandbox.dir}/shell`;
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    const values = HOSTILE_VALUES.filter((value) => value !== '');
    const steps = values.map((value, index) =>
      step.shell(`printf '%s' ${quoteShell(value)} > ${quoteShell(`${dir}/out-${index}`)}`, {
        user: 'nobody',
        creates: `${dir}/${ONE_LINE}-${index}`,
        unless: `test -e ${quoteShell(`${dir}/${ONE_LINE}-never`)}`,
      }),
    );
    const result = await run(steps);
    expect(result.error).toBeUndefined();
    for (const [index, value] of values.entries())
      expect(await readFile(`${dir}/out-${index}`, 'utf8')).toBe(value);
    await expectNotPwned();
  });

  it('user: hostile names are refused; a hostile home and shell are taken literally', async () => {
    const bad = await run([step.user('$(touch /tmp/tnb-pwned)')]);
    expect(bad.error?.message).toMatch(/not a user or group name/);
    const badGroup = await run([step.user('tnbh', { groups: ['`id`'] })]);
    expect(badGroup.error?.message).toMatch(/not a user or group name/);
    const badHome = await run([step.user('tnbh', { home: `${sandbox.dir}/a:b` })]);
    expect(badHome.error?.message).toMatch(/a user's home cannot contain ":"/);
    cleanups.push(() => execa('userdel', ['-r', 'tnbh'], { reject: false }));
    const home = `${sandbox.dir}/home/it's "$(touch /tmp/tnb-pwned)" \`id\` *`;
    const result = await run([step.user('tnbh', { home, shell: '/bin/s h$(id)' })]);
    expect(result.error).toBeUndefined();
    const passwd = (await readFile('/etc/passwd', 'utf8'))
      .split('\n')
      .find((line) => line.startsWith('tnbh:'));
    expect(passwd?.split(':').slice(5)).toEqual([home, '/bin/s h$(id)']);
    await expectNotPwned();
  });

  it('package, network, sysctl keys, service names and archive members refuse hostile values', async () => {
    const results = await Promise.all([
      run([step.packages(['curl', '$(touch /tmp/tnb-pwned)'])]),
      run([step.network('eth1;id', 'fd10:1234::1', 64)]),
      run([step.network('eth1', 'fd10::1 `id`', 64)]),
      run([step.sysctl({ 'kernel.hostname;id': '1' })]),
      run([step.sysctl({ 'kernel.hostname': 'x\ny' })]),
      run([step.service('x$(id)')]),
      run([
        step.download('http://127.0.0.1:1/a.tar.gz', '0'.repeat(64), `${sandbox.dir}/d`, {
          include: ['../../etc/passwd'],
        }),
      ]),
    ]);
    expect(results.map((result) => result.error?.message.replace(/^step "[^"]*" \(\w+\): /, ''))).toEqual([
      'not a package name: "$(touch /tmp/tnb-pwned)"',
      'not an interface name: "eth1;id"',
      'not an IPv6 address: "fd10::1 `id`"',
      'not a sysctl key: "kernel.hostname;id"',
      'sysctl kernel.hostname: a value cannot contain a line break',
      'not a service name: "x$(id)"',
      'not a safe relative file name: "../../etc/passwd"',
    ]);
    await expectNotPwned();
  });

  it('sysctl: a hostile value is written literally and the kernel refuses it', async () => {
    const result = await run([step.sysctl({ 'tnbuild.no.such': '$(touch /tmp/tnb-pwned) `id`' })]);
    expect(result.error?.code).toBe('TNB401');
    expect(await readFile(`${sandbox.dir}/init/sysctl.d/90-tnbuild.conf`, 'utf8')).toContain(
      'tnbuild.no.such = $(touch /tmp/tnb-pwned) `id`\n',
    );
    await expectNotPwned();
  });

  it('service: hostile args, env, description and directory stay inside their unit lines', async () => {
    const define = {
      description: 'it\'s "$(touch /tmp/tnb-pwned)"\nExecStartPre=/bin/false',
      command: '/bin/echo',
      args: HOSTILE_VALUES.filter((value) => !value.includes('\n')),
      user: 'nobody',
      directory: `/srv/it's $(id) *`,
      env: { HOSTILE: '"; touch /tmp/tnb-pwned; "\nUser=root' },
      after: ['net'],
    };
    const result = await run([step.service('hostile', { define })]);
    expect(result.error).toBeUndefined();
    const unit = await readFile(`${sandbox.dir}/init/units/hostile.service`, 'utf8');
    const keys = unit
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => line.slice(0, line.indexOf('=')));
    expect(keys).toEqual([
      'Description',
      'After',
      'Wants',
      'Type',
      'User',
      'WorkingDirectory',
      'Environment',
      'ExecStart',
      'Restart',
      'RestartSec',
      'WantedBy',
    ]);
    await expectNotPwned();
  });

  it('download: a hostile dest and member name are literal', async () => {
    const member = `we ird'"$(touch /tmp/tnb-pwned)\`id\` *`;
    const archive = await makeTarGz({ [member]: 'payload\n' });
    const server = await serveFiles({ '/hostile.tar.gz': archive });
    cleanups.push(() => server.close());
    const dest = `${sandbox.dir}/${ONE_LINE}-dest`;
    const fetch = (request: Parameters<typeof fetchArtifact>[0]) =>
      fetchArtifact(request, { cacheDir: `${sandbox.dir}/cache`, retries: 0 });
    const steps = [
      step.download(server.url('/hostile.tar.gz'), sha256(archive), dest, {
        include: [member],
        mode: '0644',
      }),
    ];
    const result = await run(steps, { fetchArtifact: fetch });
    expect(result.error).toBeUndefined();
    expect(await readFile(`${dest}/${member}`, 'utf8')).toBe('payload\n');
    expect((await run(steps, { fetchArtifact: fetch })).steps[0]?.status).toBe('ok');
    await expectNotPwned();
  });

  it('checks: a hostile HTTP path is one literal URL', async () => {
    const result = await runChecks(
      session,
      [{ type: 'http', name: 'hostile', port: sshd.port, path: "/'$(touch /tmp/tnb-pwned)'", status: 200 }],
      {
        deadlineMs: 0,
      },
    );
    expect(result.passed).toBe(false);
    await expectNotPwned();
  });
});
