import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  buildGuest,
  type GuestSsh,
  generateBuildKey,
  pickFreePort,
  scriptDriver,
} from '../../builders/index.ts';
import { QmpClient } from '../../builders/qmp-client.ts';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';
import { connectSsh, type SshSession } from '../../provisioners/index.ts';
import {
  type CommitTemplateInput,
  compactDisk,
  ensureTemplate,
  firstBootFiles,
  firstBootInstallCommands,
  gcTemplates,
  listInstalledPackages,
  openTemplateStore,
  readQcow2Header,
  removeTemplate,
  sealGuest,
  type Template,
  type TemplateStore,
} from '../../templates/index.ts';
import {
  createVm,
  destroyVm,
  sshVm,
  startVm,
  stopVm,
  vmPaths,
  vmStatus,
  waitForVmSsh,
} from '../../vms/index.ts';
import { isolatedEnv, runCli } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';

// The whole template → clone story on real guests under TCG: install the offline Debian test guest, seal it into a
// `base` template, build a `node` layer on it (linked clone of base + seed-authorized build key, provision, seal,
// flatten), reuse it from the cache, then two clones that boot with their own identities, reach each other over
// the ULA segment, and answer SSH with the pinned host key.
const fixture = inject('guestFixture');
const GiB = 1024 ** 3;
const KEEPER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeeperKeeperKeeperKeeperKeeperKeeperKeep keeper@ops';
const BASE_KEY = `${'a'.repeat(63)}1`;
// A segment of this run's own: other VMs on the host's default 230.0.0.1:1234 (other builds, other tests) may
// hold the same ULAs.
const MCAST = `230.0.0.1:${20_000 + (process.pid % 20_000)}`;
const NODE_KEY = `${'b'.repeat(63)}2`;

let work: string;
let store: TemplateStore;
let vmsRoot: string;
let userKeyPath: string;
let userKey: string;
let baseBuildKey: { privateKey: string; publicKey: string };
let nodeBuildKey: { privateKey: string; publicKey: string };

async function mustExec(session: SshSession, command: string): Promise<string> {
  const result = await session.exec(command, { timeoutMs: 120_000 });
  expect(result.exitCode, `${command}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

async function installFirstBoot(session: SshSession): Promise<void> {
  for (const file of firstBootFiles('debian'))
    await session.writeFile(file.path, file.content, { mode: Number.parseInt(file.mode, 8) });
  for (const command of firstBootInstallCommands('debian')) await mustExec(session, command);
}

/**
 * The test image is Debian minbase: no dbus, so no systemd-logind, so nothing acts on the ACPI power button and a
 * graceful `stopVm` would fall through to QMP quit. Real images run logind (Debian with dbus) or acpid (Alpine);
 * this fixture gets the smallest stand-in: power off on any event from the "Power Button" input device (which udev
 * only creates once it loads the button module, so wait for it).
 */
// systemd unit syntax: `$$` is a literal `$`.
const POWER_BUTTON_UNIT = [
  '[Unit]',
  'Description=Power off on the ACPI power button (e2e image: no logind, no acpid)',
  '',
  '[Service]',
  'ExecStart=/bin/sh -c \'until grep -qx "Power Button" /sys/class/input/event*/device/name; do sleep 1; done; for d in /sys/class/input/event*; do [ "$$(cat $$d/device/name)" = "Power Button" ] && (head -c 24 /dev/input/$${d##*/} >/dev/null && systemctl poweroff) & done; wait\'',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

async function installPowerButton(session: SshSession): Promise<void> {
  await session.writeFile('/etc/systemd/system/e2e-power-button.service', POWER_BUTTON_UNIT, { mode: 0o644 });
  await mustExec(session, 'systemctl enable e2e-power-button.service');
}

async function sealAndWait(session: SshSession, buildKey: string): Promise<string[]> {
  const packages = await listInstalledPackages(session, 'debian');
  const { log } = await sealGuest(session, {
    family: 'debian',
    buildKey,
    lockRoot: true,
    zeroFreeSpace: true,
  });
  expect(log.at(-1)).toBe('tnbuild-seal: sealed');
  await session.close();
  return packages;
}

function templateInput(
  recipe: string,
  key: string,
  parentKey: string | null,
  disk: string,
  packages: string[],
  started: number,
): CommitTemplateInput {
  return {
    recipe,
    key,
    parentKey,
    arch: 'x86_64',
    os: { family: 'debian', release: '12' },
    disk,
    compressed: false,
    inputs: [{ name: 'rootfs', sha256: 'e2'.repeat(32) }],
    packages,
    sshUser: 'warden',
    vm: {
      name: `trustnet-${recipe}`,
      firstBoot: ['echo "first boot of $(hostname)" > /var/lib/tnb-e2e-first-boot'],
    },
    ports: [{ name: 'ssh', guest: 22, host: 2222 }],
    network: { address: 'fd10:1234::1', prefix: 64, interface: 'eth1' },
    machine: { cpus: 1, memoryBytes: 768 * 1024 ** 2 },
    builtAt: new Date(),
    buildMs: Date.now() - started,
    versions: { qemu: 'e2e', tnbuild: '0.1.0' },
  };
}

/** Reads a file out of a template's disk without booting it: raw copy, then debugfs on partition 1 (at 1 MiB). */
async function readFromImage(template: Template, paths: readonly string[]): Promise<Record<string, string>> {
  const raw = join(work, `${template.name}.raw`);
  await execa('qemu-img', ['convert', '-O', 'raw', template.disk, raw]);
  const out: Record<string, string> = {};
  try {
    for (const path of paths) {
      const command = path.endsWith('/') ? `ls -p ${path}` : `cat ${path}`;
      const { stdout } = await execa('debugfs', ['-R', command, `${raw}?offset=1048576`], {
        stderr: 'ignore',
      });
      out[path] = stdout;
    }
  } finally {
    await rm(raw, { force: true });
  }
  return out;
}

/** The serial log from byte `from` on: one boot's console, as every boot appends to the same file. */
async function consoleFrom(path: string, from: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.max(0, size - from));
    await file.read(buffer, 0, buffer.length, from);
    return buffer.toString('latin1');
  } finally {
    await file.close();
  }
}

/** Runs a command in the clone through the real `ssh` and the argv `tnbuild vm ssh` uses (pinned host key). */
async function sshIn(name: string, command: string, options: { reject?: boolean; extra?: string[] } = {}) {
  const argv = await sshVm(name, { vmsRoot, identityFile: userKeyPath, command: [command] });
  return execa(
    argv.file,
    ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...(options.extra ?? []), ...argv.args],
    {
      reject: options.reject ?? true,
    },
  );
}

describe('templates and clones on the offline Debian guest (TCG)', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tnb-e2e-vms-'));
    vmsRoot = join(work, 'vms');
    store = openTemplateStore({ root: join(work, 'output', 'templates'), vmsRoot });
    userKeyPath = join(work, 'id_ed25519');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@laptop', '-f', userKeyPath]);
    userKey = (await readFile(`${userKeyPath}.pub`, 'utf8')).trim();
  });

  afterAll(async () => {
    for (const name of ['node-a', 'node-b']) await stopVm(name, { vmsRoot, deadlineMs: 0 }).catch(() => {});
    await execa('chmod', ['-R', 'u+w', work], { reject: false });
    await rm(work, { recursive: true, force: true });
  });

  it('installs the guest and seals it into the base template; the image has no host key, machine-id or build key', async () => {
    const started = Date.now();
    const { template, outcome } = await ensureTemplate(store, BASE_KEY, async () => {
      const guest = await buildGuest({
        arch: 'x86_64',
        iso: fixture.iso,
        driver: scriptDriver({
          files: { '/rootfs-amd64.tar': { path: fixture.rootfs } },
          rootfsPath: '/rootfs-amd64.tar',
          hostname: 'tnb-base',
        }),
        diskBytes: 2 * GiB,
        memoryMiB: 1024,
        cpus: 2,
        accel: 'tcg',
        logDir: join(work, 'logs-base'),
        workDir: join(work, 'base-scratch'),
      });
      baseBuildKey = { privateKey: guest.ssh.privateKey, publicKey: guest.ssh.publicKey };
      const session = await connectSsh(sshTarget(guest.ssh));
      await mustExec(
        session,
        'useradd -m -s /bin/sh -G systemd-journal warden && install -d -m 700 -o warden -g warden /home/warden/.ssh',
      );
      await session.writeFile('/home/warden/.ssh/authorized_keys', `${KEEPER_KEY}\n`, { mode: 0o600 });
      await mustExec(
        session,
        'chown warden:warden /home/warden/.ssh/authorized_keys; test -s /etc/machine-id',
      );
      await installPowerButton(session);
      await installFirstBoot(session);
      const packages = await sealAndWait(session, guest.ssh.publicKey);
      const exit = await Promise.race([
        guest.qemu.exited,
        new Promise((resolve) => setTimeout(() => resolve('timeout'), 120_000)),
      ]);
      expect(exit).toMatchObject({ exitCode: 0 });
      const disk = join(work, 'base-sealed.qcow2');
      await compactDisk(execaCommandRunner, guest.diskPath, disk);
      await guest.removeScratch();
      return templateInput('base', BASE_KEY, null, disk, packages, started);
    });
    expect(outcome).toBe('built');
    expect(template.manifest.packages).toContainEqual(expect.stringMatching(/^openssh-server /));

    const image = await readFromImage(template, [
      '/etc/ssh/',
      '/etc/machine-id',
      '/root/.ssh/authorized_keys',
      '/home/warden/.ssh/authorized_keys',
      '/etc/shadow',
      '/etc/systemd/system/multi-user.target.wants/',
      '/var/lib/systemd/',
    ]);
    expect(image['/etc/ssh/']).not.toMatch(/ssh_host_/);
    expect(image['/etc/machine-id']).toBe('');
    expect(image['/root/.ssh/authorized_keys']).not.toContain(baseBuildKey.publicKey.split(' ')[1]);
    expect(image['/home/warden/.ssh/authorized_keys']?.trim()).toBe(KEEPER_KEY);
    expect(image['/etc/shadow']).toMatch(/^root:!/m);
    expect(image['/etc/systemd/system/multi-user.target.wants/']).toContain('tnbuild-first-boot.service');
    // The seal's power-off stops no unit: systemd-random-seed's stop would save a seed every clone then shared.
    expect(image['/var/lib/systemd/']).toMatch(/\/\.\.\//);
    expect(image['/var/lib/systemd/']).not.toMatch(/random-seed/);
    console.info(
      `base template: ${((Date.now() - started) / 1000).toFixed(1)} s, ${(template.manifest.disk.actualSize / 2 ** 20).toFixed(0)} MiB`,
    );
  });

  it('builds the node layer on a linked clone of base, flattens it, and reuses it on the next build without QEMU', async () => {
    const base = (
      await ensureTemplate(store, BASE_KEY, async () => expect.fail('base should be a cache hit'))
    ).template;
    const started = Date.now();
    const { template, outcome } = await ensureTemplate(store, NODE_KEY, async () => {
      const buildRoot = await mkdtemp(join(tmpdir(), 'tnb-e2e-build-'));
      nodeBuildKey = generateBuildKey('tnbuild-build-node');
      const port = await pickFreePort(0);
      const created = await createVm({
        template: base,
        name: 'build',
        sshPublicKey: nodeBuildKey.publicKey,
        user: 'root',
        ula: null,
        ports: [{ name: 'ssh', guest: 22, host: port }],
        machine: { accel: 'tcg', cpus: 2, memoryMiB: 1024 },
        firstBoot: [],
        vmsRoot: buildRoot,
        mcast: MCAST,
      });
      await startVm('build', { vmsRoot: buildRoot });
      const keyFile = join(buildRoot, 'build-key');
      await writeFile(keyFile, nodeBuildKey.privateKey, { mode: 0o600 });
      await waitForVmSsh('build', {
        vmsRoot: buildRoot,
        user: 'root',
        identityFile: keyFile,
        deadlineMs: 600_000,
      });
      const session = await connectSsh({
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: nodeBuildKey.privateKey,
        hostKeySha256: created.record.hostKey.fingerprint,
      });
      await mustExec(session, 'echo node > /etc/tnb-e2e-layer');
      const packages = await sealAndWait(session, nodeBuildKey.publicKey);
      const stopped = await stopVm('build', { vmsRoot: buildRoot, deadlineMs: 120_000 });
      expect(stopped.method).toBe('acpi');
      const disk = join(work, 'node-sealed.qcow2');
      await compactDisk(execaCommandRunner, vmPaths(buildRoot, 'build').disk, disk);
      await rm(buildRoot, { recursive: true, force: true });
      return templateInput('node', NODE_KEY, BASE_KEY, disk, packages, started);
    });
    expect(outcome).toBe('built');
    expect(template.manifest.parentKey).toBe(BASE_KEY);
    expect((await readQcow2Header(template.disk)).backingFile).toBeUndefined();
    console.info(`node layer: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const hitStarted = performance.now();
    const hit = await ensureTemplate(store, NODE_KEY, async () =>
      expect.fail('a cache hit must not build (no QEMU)'),
    );
    expect(hit.outcome).toBe('stored');
    console.info(`node cache hit: ${(performance.now() - hitStarted).toFixed(1)} ms`);
  });

  it('creates two clones (times printed); both boot with their own identity and reach each other', async () => {
    const node = (await ensureTemplate(store, NODE_KEY, async () => expect.fail('cache hit expected')))
      .template;
    const clones = [
      { name: 'node-a', address: 'fd10:1234::1', peer: 'fd10:1234::2' },
      { name: 'node-b', address: 'fd10:1234::2', peer: 'fd10:1234::1' },
    ];
    const timings: string[] = [];
    for (const clone of clones) {
      const created = await createVm({
        template: node,
        name: clone.name,
        sshPublicKey: userKey,
        ula: { address: clone.address },
        ports: [{ name: 'ssh', guest: 22, host: await pickFreePort(0) }],
        machine: { accel: 'tcg', cpus: 1, memoryMiB: 768 },
        vmsRoot,
        mcast: MCAST,
      });
      timings.push(`${clone.name} ${created.elapsedMs.toFixed(0)} ms`);
    }
    console.info(`clone creation: ${timings.join(', ')}`);

    const bootStarted = Date.now();
    for (const clone of clones) await startVm(clone.name, { vmsRoot });
    const ready = await Promise.all(
      clones.map((clone) =>
        waitForVmSsh(clone.name, { vmsRoot, identityFile: userKeyPath, deadlineMs: 600_000 }),
      ),
    );
    console.info(
      `clone boot to SSH ready (both at once, TCG): ${ready.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
    expect(Date.now() - bootStarted).toBeLessThan(600_000);

    const seen: Record<string, string[]> = {};
    for (const clone of clones) {
      const { stdout } = await sshIn(
        clone.name,
        'hostname; cat /etc/machine-id; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub; cat /etc/tnb-e2e-layer; cat /var/lib/tnb-e2e-first-boot; echo $(cd /etc/ssh && ls ssh_host_*_key); cat ~/.ssh/authorized_keys; ip -6 -o addr show dev eth1 scope global',
      );
      seen[clone.name] = stdout.trim().split('\n');
      const [hostname, machineId, fingerprint, layer, firstBoot, keygen, ...rest] = seen[clone.name] ?? [];
      const status = await vmStatus(clone.name, { vmsRoot });
      expect(hostname).toBe(clone.name);
      expect(machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(fingerprint).toContain(status.hostKeyFingerprint);
      expect(layer).toBe('node');
      expect(firstBoot).toBe(`first boot of ${clone.name}`);
      // Only the seed's key: the guest's own host-key generator (the fixture's ssh-keygen -A, as a distro has one)
      // found it in place and did not run. It used to race the seed, spending seconds on RSA under TCG, and could
      // have replaced the pinned key.
      expect(keygen).toBe('ssh_host_ed25519_key');
      expect(rest).toContain(KEEPER_KEY);
      expect(rest).toContain(userKey);
      expect(rest.join('\n')).toContain(`inet6 ${clone.address}/64`);
    }
    expect(seen['node-a']?.[1]).not.toBe(seen['node-b']?.[1]);
    expect(seen['node-a']?.[2]).not.toBe(seen['node-b']?.[2]);

    for (const clone of clones) {
      const { stdout } = await sshIn(clone.name, `ping -6 -c 3 -W 5 ${clone.peer}`);
      expect(stdout).toMatch(/3 packets transmitted, 3 received/);
    }
  });

  it('lets in only the user key with the pinned host key: not the build keys, not a clone posing as another', async () => {
    const a = await vmStatus('node-a', { vmsRoot });
    const port = String(a.ports.find((forward) => forward.guest === 22)?.host);
    for (const [label, privateKey] of [
      ['base build key', baseBuildKey.privateKey],
      ['node build key', nodeBuildKey.privateKey],
    ] as const) {
      const keyFile = join(work, `${label.replaceAll(' ', '-')}`);
      await execa('sh', ['-c', `umask 077; cat > ${keyFile}`], { input: privateKey });
      const argv = await sshVm('node-a', { vmsRoot, identityFile: keyFile, user: 'root', command: ['true'] });
      const result = await execa('ssh', ['-o', 'BatchMode=yes', ...argv.args], { reject: false });
      expect(result.exitCode, label).toBe(255);
      expect(result.stderr).toMatch(/Permission denied/);
    }
    // node-b's pinned key presented by node-a: ssh must refuse before authenticating.
    const b = vmPaths(vmsRoot, 'node-b');
    const spoof = await execa(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-p',
        port,
        '-o',
        'HostKeyAlias=node-b',
        '-o',
        `UserKnownHostsFile=${b.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-i',
        userKeyPath,
        'warden@127.0.0.1',
        'true',
      ],
      { reject: false },
    );
    expect(spoof.exitCode).toBe(255);
    expect(spoof.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('vm start --wait on a clone frozen mid-boot (QMP stop): one reset, a warning naming its folder, then the user is in', async () => {
    const stopped = await stopVm('node-a', { vmsRoot, deadlineMs: 120_000 });
    expect(stopped.method).toBe('acpi');
    const paths = vmPaths(vmsRoot, 'node-a');
    const bootStart = (await stat(paths.serialLog)).size;
    const start = runCli(
      ['vm', 'start', 'node-a', '--wait', '--key', `${userKeyPath}.pub`],
      isolatedEnv(work, { TNBUILD_VMS_DIR: vmsRoot, TNBUILD_BOOT_STALL: '20' }),
      [],
    );
    // Frozen once this boot's kernel has printed its banner: the console then stays silent, and no TCP is taken.
    let printed = false;
    for (let waited = 0; !printed && waited < 300_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      printed = (await consoleFrom(paths.serialLog, bootStart)).includes('Linux version');
    }
    expect(printed, 'the boot printed its kernel banner').toBe(true);
    const qmp = await QmpClient.connect(paths.qmpSocket);
    await qmp.execute('stop');
    qmp.close();

    const result = await start;
    expect(result.exitCode, result.out).toBe(0);
    expect(result.out).toMatch(
      /^warning: node-a's boot stalled \(the guest's console printed nothing for \d+ s and it takes no TCP on port 22\): reset it to boot again; the stalled boot's boot-1-serial\.log and boot-1-guest-state\.txt are in (\S+)$/m,
    );
    expect(result.out).toContain(paths.dir);
    expect(result.out).toMatch(/^node-a answers SSH after \d+\.\d s: `tnbuild vm ssh node-a`$/m);
    const kept = await readFile(join(paths.dir, 'boot-1-serial.log'), 'latin1');
    // This boot's console alone: one kernel banner, not the earlier boots' as well.
    expect(kept.match(/Linux version/g)).toHaveLength(1);
    expect((await stat(join(paths.dir, 'boot-1-serial.log'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(paths.dir, 'boot-1-guest-state.txt'), 'utf8')).toMatch(
      /^the guest's console printed nothing for \d+ s.*\nQEMU: the guest is paused\n.*SYN_SENT/,
    );
    // The reset booted the same disk again: a second banner after the frozen one, the clone's own identity.
    expect((await consoleFrom(paths.serialLog, bootStart)).match(/Linux version/g)).toHaveLength(2);
    const { stdout } = await sshIn('node-a', 'hostname; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(stdout).toContain('node-a');
    expect(stdout).toContain((await vmStatus('node-a', { vmsRoot })).hostKeyFingerprint);
  });

  it('a clone whose network is down for its first 150 s asks for DHCP again 20 s after its first minute failed, and lets the user in once it is back', async () => {
    const stopped = await stopVm('node-b', { vmsRoot, deadlineMs: 120_000 });
    expect(stopped.method).toBe('acpi');
    const paths = vmPaths(vmsRoot, 'node-b');
    await startVm('node-b', { vmsRoot });
    const qmp = await QmpClient.connect(paths.qmpSocket);
    try {
      await qmp.execute('set_link', { name: 'net0', up: false });
      // Long enough for dhclient's minute (its `timeout`) to pass unanswered, even on a slow boot.
      await new Promise((resolve) => setTimeout(resolve, 150_000));
      await qmp.execute('set_link', { name: 'net0', up: true });
    } finally {
      qmp.close();
    }
    // The stall watch stays out of it: this boot is meant to be silent and unreachable for a while.
    const ms = await waitForVmSsh('node-b', {
      vmsRoot,
      identityFile: userKeyPath,
      deadlineMs: 600_000,
      bootStallMs: 600_000,
    });
    console.info(`node-b: SSH ${(ms / 1000).toFixed(1)} s after its link came back`);
    // warden is in systemd-journal (the base step), so it reads the system's journal.
    const { stdout } = await sshIn(
      'node-b',
      'journalctl -b --no-pager -o short-monotonic -t dhclient | grep -E "sleeping|DHCPDISCOVER|bound to"',
    );
    // [  92.912345] host dhclient[512]: No working leases in persistent database - sleeping.
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => ({ at: Number(/^\[\s*([\d.]+)\]/.exec(line)?.[1]), line }));
    const sleeping = events.findIndex((event) => event.line.includes('sleeping'));
    expect(sleeping, stdout).toBeGreaterThanOrEqual(0);
    const askedAgain = events.slice(sleeping).find((event) => event.line.includes('DHCPDISCOVER'));
    expect(askedAgain, stdout).toBeDefined();
    // retry 20 in the guest's dhclient.conf; dhclient's default is 300 s, which left it silent for five minutes.
    expect(askedAgain!.at - events[sleeping]!.at, stdout).toBeLessThan(60);
    expect(
      events.slice(sleeping).some((event) => event.line.includes('bound to')),
      stdout,
    ).toBe(true);
  });

  it('stops both gracefully; refuses to remove the template they use; destroying them leaves it intact', async () => {
    for (const name of ['node-a', 'node-b']) {
      const result = await stopVm(name, { vmsRoot, deadlineMs: 120_000 });
      expect(result.method, name).toBe('acpi');
      console.info(`${name} stopped by ACPI in ${(result.elapsedMs / 1000).toFixed(1)} s`);
    }
    await expect(removeTemplate(store, NODE_KEY)).rejects.toMatchObject({
      code: 'TNB501',
      message: expect.stringContaining('node-a, node-b'),
    });
    const gc = await gcTemplates(store, { keepLatest: 0 });
    expect(gc.removed.map((template) => template.manifest.recipe)).toEqual(['base']);
    expect(gc.kept.map((entry) => entry.reason)).toEqual(['used by node-a, node-b']);
    for (const name of ['node-a', 'node-b']) await destroyVm(name, { vmsRoot });
    const node = await removeTemplate(store, NODE_KEY);
    expect(node.manifest.recipe).toBe('node');
  });
});

function sshTarget(ssh: GuestSsh) {
  return {
    host: ssh.host,
    port: ssh.port,
    username: ssh.username,
    privateKey: ssh.privateKey,
    hostKeySha256: ssh.hostKeySha256,
  };
}
