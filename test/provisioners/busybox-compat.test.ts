import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installScript, markerHeader, markerProbeScript } from '../../provisioners/modules/download.ts';
import { accountProbeScript } from '../../provisioners/modules/user.ts';
import { rewritePasswdFields } from '../../provisioners/os-family/passwd-rewrite.ts';
import { fileProbeScript, parseFileProbe } from '../../provisioners/remote-files.ts';
import { checkScript } from '../../provisioners/run-checks.ts';
import { FAKE_COMETBFT, makeTarGz, sha256 } from './helpers/archive.ts';

// Alpine's /bin/sh and its stat, sha256sum, tar, find, awk, sed, id are busybox. `busybox sh` here runs busybox's own
// applets before anything on PATH, so the guest-side scripts are checked against busybox as well as against dash +
// GNU coreutils (Debian).
const SHELLS = [
  { name: 'busybox (Alpine)', argv: ['busybox', 'sh', '-c'] },
  { name: 'dash + coreutils (Debian)', argv: ['/bin/sh', '-c'] },
] as const;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tnb-bbcompat-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function sh(argv: readonly string[], script: string) {
  const [file, ...args] = argv;
  return execa(file as string, [...args, script], { reject: false, cwd: dir, stripFinalNewline: false });
}

it('busybox sh really runs busybox applets here (stat rejects --version)', async () => {
  const result = await sh(SHELLS[0].argv, 'stat --version');
  expect(result.stderr).toMatch(/unrecognized option/);
  expect(result.stderr).not.toMatch(/coreutils/i);
});

describe.each(SHELLS)('$name', ({ name, argv }) => {
  it('the file probe describes every kind of path, whatever its name', async () => {
    const root = path.join(dir, `probe-${name.split(' ')[0]}`);
    const odd = `we ird'"$(x)\`y\`*?[a] \\back`;
    await mkdir(path.join(root, 'sub dir'), { recursive: true, mode: 0o750 });
    await writeFile(path.join(root, odd), 'content\n', { mode: 0o640 });
    await writeFile(path.join(root, 'empty'), '');
    await symlink('/etc/hostname', path.join(root, 'link'));
    await execa('mkfifo', [path.join(root, 'fifo')]);
    const paths = [odd, 'sub dir', 'empty', 'link', 'fifo', 'absent'].map((name) => path.join(root, name));
    const result = await sh(argv, fileProbeScript(paths));
    expect(result.exitCode).toBe(0);
    expect(parseFileProbe(result.stdout, paths.length)).toEqual([
      { kind: 'file', mode: 0o640, owner: 'root', group: 'root', sha256: sha256('content\n') },
      { kind: 'directory', mode: 0o750, owner: 'root', group: 'root' },
      { kind: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: sha256('') },
      { kind: 'symlink' },
      { kind: 'other' },
      { kind: 'absent' },
    ]);
  });

  it('the download install script unpacks one member, sets its mode, and writes a marker the probe accepts', async () => {
    const root = path.join(dir, `download-${name.split(' ')[0]}`);
    const staging = path.join(root, 'staging');
    await mkdir(staging, { recursive: true });
    const archive = await makeTarGz({ cometbft: FAKE_COMETBFT, LICENSE: 'x\n' });
    await writeFile(path.join(staging, 'artifact'), archive);
    const expected = { algorithm: 'sha256' as const, value: sha256(archive) };
    const step = { extract: 'tar.gz' as const, mode: '0755' };
    const marker = path.join(root, 'state', 'downloads', 'cometbft.sums');
    const header = markerHeader(expected, step, ['cometbft']);
    const dest = path.join(root, 'usr local', 'bin');
    const result = await sh(
      argv,
      installScript({
        staging,
        dest,
        marker,
        header,
        expected,
        step,
        members: ['cometbft'],
        fileName: 'x.tar.gz',
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('cometbft\n');
    expect(await readFile(path.join(dest, 'cometbft'), 'utf8')).toBe(FAKE_COMETBFT);
    expect((await execa('stat', ['-c', '%a', path.join(dest, 'cometbft')])).stdout).toBe('755');
    const probe = await sh(argv, markerProbeScript(marker));
    expect(probe.stdout).toBe(`${header}--\nfiles-ok\n`);
    await writeFile(path.join(dest, 'cometbft'), 'tampered');
    expect((await sh(argv, markerProbeScript(marker))).stdout).toBe(`${header}--\n`);
  });

  it('the download install script refuses an upload whose checksum differs', async () => {
    const staging = path.join(dir, `bad-${name.split(' ')[0]}`);
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, 'artifact'), 'not the archive');
    const expected = { algorithm: 'sha256' as const, value: '0'.repeat(64) };
    const step = { extract: 'tar.gz' as const, mode: '0755' };
    const result = await sh(
      argv,
      installScript({
        staging,
        dest: `${staging}-dest`,
        marker: `${staging}.sums`,
        header: '',
        expected,
        step,
        members: [],
        fileName: 'x',
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/the upload's sha256 is [0-9a-f]{64}, expected 0{64}/);
  });

  it('the account probe reads passwd, shadow and group with awk, never printing a hash', async () => {
    const etc = path.join(dir, `etc-${name.split(' ')[0]}`);
    await mkdir(etc, { recursive: true });
    await writeFile(
      path.join(etc, 'passwd'),
      'root:x:0:0:root:/root:/bin/ash\nwarden:x:1000:1000::/home/war den:/bin/sh\n',
    );
    await writeFile(path.join(etc, 'shadow'), 'root:*:1::::::\nwarden:$6$salt$hash:1::::::\n');
    await writeFile(path.join(etc, 'group'), 'root:x:0:\nvalidators:x:1001:warden\n');
    const result = await sh(argv, accountProbeScript(etc, 'warden', ['validators', 'missing']));
    expect(
      result.stdout.split('\n').filter((line) => !line.startsWith('groups') && !line.startsWith('primary')),
    ).toEqual(['passwd /home/war den:/bin/sh', 'password set', 'group validators', '']);
    expect(result.stdout).not.toContain('$6$');
    const none = await sh(argv, accountProbeScript(etc, 'root', []));
    expect(none.stdout.split('\n').slice(0, 2)).toEqual(['passwd /root:/bin/ash', 'password none']);
  });

  it('the passwd rewrite changes one user’s shell and home and nothing else', async () => {
    const etc = path.join(dir, `rewrite-${name.split(' ')[0]}`);
    await mkdir(etc, { recursive: true });
    const before =
      'root:x:0:0:root:/root:/bin/ash\nwarden:x:1000:1000::/home/warden:/sbin/nologin\nwarden2:x:1001:1001::/home/w2:/bin/sh\n';
    await writeFile(path.join(etc, 'passwd'), before);
    const result = await sh(
      argv,
      rewritePasswdFields(path.join(etc, 'passwd'), 'warden', '/bin/sh', "/srv/it's $(x)"),
    );
    expect(result.exitCode).toBe(0);
    expect(await readFile(path.join(etc, 'passwd'), 'utf8')).toBe(
      before.replace(':/home/warden:/sbin/nologin', ":/srv/it's $(x):/bin/sh"),
    );
  });
});

describe('port check', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(SHELLS)('finds a listening port in /proc/net/tcp6 with $name awk', async ({ argv }) => {
    expect((await sh(argv, checkScript({ type: 'port', name: 'p', port }))).exitCode).toBe(0);
    expect((await sh(argv, checkScript({ type: 'port', name: 'p', port: 1 }))).exitCode).toBe(1);
  });
});
