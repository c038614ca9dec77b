import { readFile, stat, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArtifact } from '../../artifacts/index.ts';
import type { FetchArtifact } from '../../provisioners/fetch-artifact-fn.ts';
import { type ProvisionOptions, provision } from '../../provisioners/provision.ts';
import type { SshSession } from '../../provisioners/ssh-session.ts';
import { FAKE_COMETBFT, makeTarGz, serveFiles, sha256 } from './helpers/archive.ts';
import { fakeInitFamily } from './helpers/fake-init.ts';
import { connectTo, makeSandbox } from './helpers/session.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';
import { step } from './helpers/steps.ts';

// The CometBFT role's mechanics with a fake archive: download through the real artifact cache from a local HTTP
// server, upload, verify in the guest, unpack one member, `cometbft init` as the service user, config from a
// template, a defined service, and a handler. The real binary is for the opt-in online e2e test.
let sshd: TestSshd;
let session: SshSession;
let sandbox: { dir: string; remove: () => Promise<void> };
let server: Awaited<ReturnType<typeof serveFiles>>;
let archive: Buffer;
let fetch: FetchArtifact;
const user = `tnbw${Math.random().toString(16).slice(2, 8)}`;

beforeAll(async () => {
  sshd = await startSshd();
  session = await connectTo(sshd);
  sandbox = await makeSandbox();
  archive = await makeTarGz({
    cometbft: FAKE_COMETBFT,
    LICENSE: 'Apache-2.0\n',
    'README.md': '# CometBFT\n',
  });
  server = await serveFiles({
    '/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz': archive,
    '/tools/plain-tool': Buffer.from('#!/bin/sh\necho tool\n'),
  });
  const cacheDir = `${sandbox.dir}/host-cache`;
  fetch = (request) => fetchArtifact(request, { cacheDir, retries: 0 });
});
afterAll(async () => {
  await execa('userdel', ['-r', user], { reject: false });
  await session?.close();
  await sshd?.close();
  await server?.close();
  await sandbox?.remove();
});

const run = (steps: ProvisionOptions['steps'], extra: Partial<ProvisionOptions> = {}) =>
  provision({
    session,
    steps,
    family: fakeInitFamily(`${sandbox.dir}/init`),
    arch: 'x86_64',
    fetchArtifact: fetch,
    stateDir: `${sandbox.dir}/var/lib/tnbuild`,
    ...extra,
  });

describe('download and the CometBFT role mechanics', () => {
  it('installs, initialises and starts; the second run changes nothing and fetches nothing', async () => {
    const bin = `${sandbox.dir}/usr/local/bin`;
    const home = `/home/${user}/.cometbft`;
    const url = server.url('/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz');
    const steps = [
      step.user(user),
      step.download(url, sha256(archive), bin, {
        name: 'install cometbft',
        include: ['cometbft'],
        notify: ['cometbft'],
      }),
      step.shell(`${bin}/cometbft init --home ${home}`, {
        name: 'init as the validator user',
        user,
        creates: `${home}/config/genesis.json`,
      }),
      step.template(`${home}/config/config.toml`, 'moniker = "trustnet-node"\n', {
        owner: user,
        group: user,
        mode: '0600',
        notify: ['cometbft'],
      }),
      step.service('cometbft', {
        define: {
          description: 'CometBFT validator',
          command: `${bin}/cometbft`,
          args: ['start', '--home', home],
          user,
          directory: `/home/${user}`,
          env: {},
          after: ['net'],
        },
      }),
    ];
    const first = await run(steps);
    expect(first.error).toBeUndefined();
    expect(first.steps.map((report) => [report.name, report.status])).toEqual([
      [`user ${user}`, 'changed'],
      ['install cometbft', 'changed'],
      ['init as the validator user', 'changed'],
      [`template ${home}/config/config.toml`, 'changed'],
      ['service cometbft', 'changed'],
    ]);
    expect(first.steps[1]?.reason).toBe(`installed 1 file(s) into ${bin}: cometbft`);
    expect(first.steps[2]?.reason).toMatch(
      new RegExp(`^ran as ${user} in \\d+ ms: initialised ${home} as ${user}$`),
    );
    expect((await execa(`${bin}/cometbft`, ['version'])).stdout).toBe('0.38.17-fake');
    expect((await stat(`${bin}/cometbft`)).mode & 0o7777).toBe(0o755);
    await expect(stat(`${bin}/LICENSE`)).rejects.toThrow();
    expect((await stat(`${home}/config/genesis.json`)).uid).toBe(
      Number((await execa('id', ['-u', user])).stdout),
    );
    // The service step started cometbft after the notifications: no handler restart on top.
    expect(await readFile(`${sandbox.dir}/init/actions`, 'utf8')).toBe(
      'daemon-reload\nenable cometbft\nstart cometbft\n',
    );
    const marker = (await execa('sh', ['-c', `cat ${sandbox.dir}/var/lib/tnbuild/downloads/*.sums`])).stdout;
    expect(marker).toBe(
      `tnbuild-download 1\narchive sha256:${sha256(archive)}\nextract tar.gz\ninclude ["cometbft"]\nmode 0755\n--\n${sha256(FAKE_COMETBFT)}  ${bin}/cometbft`,
    );

    const hits = server.hits();
    const second = await run(steps);
    expect(second.recap).toMatchObject({ changed: 0, failed: 0, skipped: 1, ok: 4 });
    expect(server.hits()).toBe(hits);

    // A binary changed behind our back is put back, and the notified service restarted once.
    await writeFile(`${bin}/cometbft`, '#!/bin/sh\necho tampered\n');
    const third = await run(steps);
    expect(third.steps.map((report) => [report.name, report.status])).toEqual([
      [`user ${user}`, 'ok'],
      ['install cometbft', 'changed'],
      ['init as the validator user', 'skipped'],
      [`template ${home}/config/config.toml`, 'ok'],
      ['service cometbft', 'ok'],
      ['restart cometbft', 'changed'],
    ]);
    expect((await execa(`${bin}/cometbft`, ['version'])).stdout).toBe('0.38.17-fake');
    expect(server.hits()).toBe(hits);
  });

  it('places a file that is not an archive as is, with its mode', async () => {
    const dest = `${sandbox.dir}/opt/tools`;
    const body = '#!/bin/sh\necho tool\n';
    const steps = [
      step.download(server.url('/tools/plain-tool'), sha256(body), dest, { extract: 'none', mode: '0750' }),
    ];
    expect((await run(steps)).steps[0]?.reason).toBe(`installed 1 file(s) into ${dest}: plain-tool`);
    expect((await stat(`${dest}/plain-tool`)).mode & 0o7777).toBe(0o750);
    expect((await run(steps)).steps[0]?.status).toBe('ok');
  });

  it('check mode reports the install without fetching or touching the guest', async () => {
    const dest = `${sandbox.dir}/check-bin`;
    const hits = server.hits();
    const result = await run(
      [step.download(server.url('/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz'), sha256(archive), dest)],
      { check: true },
    );
    expect(result.steps[0]).toMatchObject({
      status: 'changed',
      reason: `would install cometbft_0.38.17_linux_amd64.tar.gz into ${dest}`,
    });
    expect(server.hits()).toBe(hits);
    await expect(stat(dest)).rejects.toThrow();
  });

  it('fails on a checksum mismatch, naming the step, and installs nothing', async () => {
    const dest = `${sandbox.dir}/bad-bin`;
    const url = server.url('/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz');
    const result = await run([step.download(`${url}?v=2`, '0'.repeat(64), dest, { name: 'pinned wrong' })]);
    expect(result.error?.code).toBe('TNB201');
    expect(result.error?.message).toMatch(/^step "pinned wrong" \(download\): /);
    await expect(stat(dest)).rejects.toThrow();
  });

  it('fails when a wanted member is not in the archive', async () => {
    const result = await run([
      step.download(
        server.url('/v0.38.17/cometbft_0.38.17_linux_amd64.tar.gz'),
        sha256(archive),
        `${sandbox.dir}/x`,
        { include: ['cometbft-missing'] },
      ),
    ]);
    expect(result.error?.code).toBe('TNB401');
    expect(result.error?.details.join('\n')).toMatch(/cometbft-missing/);
  });
});
