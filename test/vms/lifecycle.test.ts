import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { pickFreePort } from '../../builders/free-port.ts';
import { QmpClient } from '../../builders/qmp-client.ts';
import { bannerWaitSeconds } from '../../builders/ssh-banner.ts';
import { escapeRegExp } from '../../host/escape-regexp.ts';
import { destroyVm } from '../../vms/destroy-vm.ts';
import { sshVm } from '../../vms/ssh-vm.ts';
import { startVm } from '../../vms/start-vm.ts';
import { stopVm } from '../../vms/stop-vm.ts';
import { baseDiskPath } from '../../vms/vm-paths.ts';
import { listVms, vmStatus } from '../../vms/vm-status.ts';
import { waitForVmSsh } from '../../vms/wait-for-vm-ssh.ts';
import { createTestVm, newSandbox, type Sandbox } from './helpers.ts';

// Real QEMU (TCG) on a blank disk: SeaBIOS finds nothing to boot and no OS answers the ACPI power button,
// which is exactly the "guest ignores ACPI" case. Every test stops what it started.
const started: { sandbox: Sandbox; name: string }[] = [];

async function start(sandbox: Sandbox, name: string) {
  const status = await startVm(name, { vmsRoot: sandbox.vmsRoot });
  started.push({ sandbox, name });
  return status;
}

afterEach(async () => {
  for (const { sandbox, name } of started.splice(0))
    await stopVm(name, { vmsRoot: sandbox.vmsRoot, deadlineMs: 0 }).catch(() => {});
});

/** A runner standing in for `ssh`: every attempt fails with exit 255 and `stderr`. */
function sshFailing(stderr: string) {
  return {
    async run(file: string) {
      return { command: file, exitCode: 255, stdout: '', stderr };
    },
  };
}

/** Alive and not a zombie (a daemonized QEMU's parent is init, which reaps it a moment later). */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('VM lifecycle on a real QEMU', () => {
  it('starts in the background, reports running, refuses a second start, and lists it', async () => {
    const sandbox = await newSandbox();
    const { record, paths } = await createTestVm(sandbox, 'node-a', { ula: { address: 'fd10:1234::1' } });
    const status = await start(sandbox, 'node-a');
    expect(status).toMatchObject({
      name: 'node-a',
      state: 'running',
      ula: 'fd10:1234::1/64',
      mac: record.network.mac,
    });
    expect(isAlive(status.pid)).toBe(true);
    expect(Number((await readFile(paths.pidFile, 'utf8')).trim())).toBe(status.pid);
    await expect(startVm('node-a', { vmsRoot: sandbox.vmsRoot })).rejects.toMatchObject({
      code: 'TNB504',
      message: `node-a is already running (pid ${status.pid})`,
    });
    await createTestVm(sandbox, 'node-b');
    expect((await listVms({ vmsRoot: sandbox.vmsRoot })).map((vm) => `${vm.name} ${vm.state}`)).toEqual([
      'node-a running',
      'node-b stopped',
    ]);
    // The serial console goes to its log although nobody is attached; only the owner reads it.
    expect(existsSync(paths.serialLog)).toBe(true);
    expect((await stat(paths.serialLog)).mode & 0o777).toBe(0o600);
  });

  it('stops a guest that ignores the ACPI button: QEMU is told to quit once the deadline passes', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'deaf');
    const { pid } = await start(sandbox, 'deaf');
    const result = await stopVm('deaf', { vmsRoot: sandbox.vmsRoot, deadlineMs: 1500 });
    expect(result.method).toBe('quit');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1500);
    expect(result.elapsedMs).toBeLessThan(10_000);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(paths.pidFile)).toBe(false);
    expect((await vmStatus('deaf', { vmsRoot: sandbox.vmsRoot })).state).toBe('stopped');
    expect(await stopVm('deaf', { vmsRoot: sandbox.vmsRoot })).toMatchObject({ method: 'not-running' });
  });

  it('kills QEMU when QMP does not answer either', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'stuck');
    const { pid } = await start(sandbox, 'stuck');
    await rm(paths.qmpSocket);
    const result = await stopVm('stuck', { vmsRoot: sandbox.vmsRoot, deadlineMs: 500 });
    expect(result.method).toBe('kill');
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses to start with TNB506 when a forwarded port is in use, naming the port', async () => {
    const sandbox = await newSandbox();
    const port = await pickFreePort(0);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await createTestVm(sandbox, 'blocked', { ports: [{ name: 'ssh', guest: 22, host: port }] });
      await expect(startVm('blocked', { vmsRoot: sandbox.vmsRoot })).rejects.toMatchObject({
        code: 'TNB506',
        message: `127.0.0.1:${port} (ssh → guest 22) is already in use`,
      });
      expect((await vmStatus('blocked', { vmsRoot: sandbox.vmsRoot })).state).toBe('stopped');
    } finally {
      blocker.close();
    }
  });

  it('names the other VM when it forwards the same port', async () => {
    const sandbox = await newSandbox();
    const port = await pickFreePort(0);
    await createTestVm(sandbox, 'first', { ports: [{ name: 'ssh', guest: 22, host: port }] });
    await createTestVm(sandbox, 'second', { ports: [{ name: 'ssh', guest: 22, host: port }] });
    await start(sandbox, 'first');
    await expect(startVm('second', { vmsRoot: sandbox.vmsRoot })).rejects.toThrow(/VM first forwards it too/);
  });

  it('says how to fix a linked clone whose backing file is gone (TNB505)', async () => {
    const sandbox = await newSandbox();
    await createTestVm(sandbox, 'orphan');
    await rm(baseDiskPath(sandbox.vmsRoot, sandbox.template));
    const error = await startVm('orphan', { vmsRoot: sandbox.vmsRoot }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TNB505', message: expect.stringContaining('which is gone') });
    expect((error as { hint: string }).hint).toContain('tnbuild vm create node --name orphan --force');
  });

  it('destroys only a stopped VM unless forced; the template and other clones’ base stay', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'doomed');
    await createTestVm(sandbox, 'keeper');
    await start(sandbox, 'doomed');
    await expect(destroyVm('doomed', { vmsRoot: sandbox.vmsRoot })).rejects.toMatchObject({ code: 'TNB504' });
    const { removedBases } = await destroyVm('doomed', { vmsRoot: sandbox.vmsRoot, force: true });
    expect(existsSync(paths.dir)).toBe(false);
    expect(removedBases).toEqual([]);
    expect(existsSync(sandbox.template.disk)).toBe(true);
    // The last clone of a template takes its base copy with it.
    expect((await destroyVm('keeper', { vmsRoot: sandbox.vmsRoot })).removedBases).toEqual([
      baseDiskPath(sandbox.vmsRoot, sandbox.template),
    ]);
    await expect(vmStatus('keeper', { vmsRoot: sandbox.vmsRoot })).rejects.toMatchObject({ code: 'TNB503' });
  });

  it('gives the ssh argv that pins the recorded host key', async () => {
    const sandbox = await newSandbox();
    const { record, paths } = await createTestVm(sandbox, 'pinned');
    const port = record.ports[0]?.host;
    expect(await sshVm('pinned', { vmsRoot: sandbox.vmsRoot, command: ['uname', '-a'] })).toEqual({
      file: 'ssh',
      args: [
        '-p',
        String(port),
        '-o',
        'HostKeyAlias=pinned',
        '-o',
        `UserKnownHostsFile=${paths.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'CheckHostIP=no',
        '--',
        'warden@127.0.0.1',
        'uname -a',
      ],
    });
    // Several words are an argv: ssh would join them for the remote shell, which would split and expand them again.
    const argv = async (command: string[]) =>
      (await sshVm('pinned', { vmsRoot: sandbox.vmsRoot, command })).args.slice(12);
    expect(await argv(['sh', '-c', 'uname -m; id -un'])).toEqual(["sh -c 'uname -m; id -un'"]);
    expect(await argv(['echo', '$(touch /tmp/owned)', "it's"])).toEqual([
      `echo '$(touch /tmp/owned)' 'it'\\''s'`,
    ]);
    // One word is the guest shell's command line, as with ssh.
    expect(await argv(['hostname; id -un'])).toEqual(['hostname; id -un']);
    // A user that would be read as an ssh option never reaches the argv.
    await expect(
      sshVm('pinned', { vmsRoot: sandbox.vmsRoot, user: '-oProxyCommand=touch /tmp/owned' }),
    ).rejects.toMatchObject({ code: 'TNB110' });
  });

  it('waits for SSH with the pinned key: retries, fails at once on another host key, and notices QEMU is gone', async () => {
    const sandbox = await newSandbox();
    await createTestVm(sandbox, 'waiting');
    await start(sandbox, 'waiting');
    const bannerTimeout = {
      exitCode: 255,
      stderr: 'Connection timed out during banner exchange\nConnection to 127.0.0.1 port 2222 timed out\n',
    };
    const replies = [
      { exitCode: 255, stderr: 'ssh: connect to host 127.0.0.1 port 2222: Connection refused\n' },
      bannerTimeout,
      bannerTimeout,
      { exitCode: 255, stderr: 'kex_exchange_identification: read: Connection reset by peer\n' },
      { exitCode: 0, stderr: '' },
    ];
    const calls: string[][] = [];
    const runner = {
      async run(file: string, args: readonly string[]) {
        calls.push([file, ...args]);
        const reply = replies.shift() ?? { exitCode: 0, stderr: '' };
        return { command: file, stdout: '', ...reply };
      },
    };
    await waitForVmSsh('waiting', { vmsRoot: sandbox.vmsRoot, runner, intervalMs: 10 });
    expect(calls).toHaveLength(5);
    // A short banner wait while the guest's network may still be down, a second longer after each banner timeout
    // in a row, short again once anything else answers.
    expect(calls.map((call) => call.find((arg) => arg.startsWith('ConnectTimeout=')))).toEqual([
      'ConnectTimeout=3',
      'ConnectTimeout=3',
      'ConnectTimeout=4',
      'ConnectTimeout=5',
      'ConnectTimeout=3',
    ]);
    expect(bannerWaitSeconds(50)).toBe(10);
    expect(calls[0]).toEqual(
      expect.arrayContaining(['BatchMode=yes', 'HostKeyAlias=waiting', 'StrictHostKeyChecking=yes', 'true']),
    );

    const spoofed = sshFailing(
      '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n',
    );
    await expect(
      waitForVmSsh('waiting', { vmsRoot: sandbox.vmsRoot, runner: spoofed }),
    ).rejects.toMatchObject({ code: 'TNB403' });

    // The deadline passes with QEMU running and nothing booted: the error says what QEMU saw of the guest.
    const silent = sshFailing(bannerTimeout.stderr);
    const timedOut = await waitForVmSsh('waiting', {
      vmsRoot: sandbox.vmsRoot,
      runner: silent,
      deadlineMs: 0,
    }).catch((error) => error);
    expect(timedOut).toMatchObject({ code: 'TNB400' });
    expect(timedOut.details).toContain('QEMU: the guest is running');
    expect(timedOut.details.join('\n')).toContain(
      'did not answer TCP on port 22 (user-mode network: SYN_SENT)',
    );

    await stopVm('waiting', { vmsRoot: sandbox.vmsRoot, deadlineMs: 0 });
    const refused = sshFailing('Connection refused\n');
    await expect(
      waitForVmSsh('waiting', { vmsRoot: sandbox.vmsRoot, runner: refused }),
    ).rejects.toMatchObject({
      code: 'TNB400',
      message: 'waiting stopped while waiting for its sshd',
    });
  });

  it('resets a boot that stalls once, keeps its console and state in the VM folder, and fails at once on a second', async () => {
    // The disk's boot sector prints a line on COM1 and halts: a console that went silent on a guest taking no TCP.
    const sandbox = await newSandbox('vms-stall', { bootText: 'stall-test: kernel says hello\r\n' });
    const { paths } = await createTestVm(sandbox, 'stuck');
    // An earlier boot's console, which the kept console must leave out (the log appends every boot).
    await writeFile(paths.serialLog, 'an earlier boot\n', { mode: 0o600 });
    const { bootStartSize } = await start(sandbox, 'stuck');
    expect(bootStartSize).toBe('an earlier boot\n'.length);
    // Once it printed, QEMU holds it paused too: the reset must let it run again.
    for (let waited = 0; waited < 30_000; waited += 100) {
      if ((await readFile(paths.serialLog, 'utf8')).includes('kernel says hello')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const qmp = await QmpClient.connect(paths.qmpSocket);
    await qmp.execute('stop');
    qmp.close();
    const noBanner = sshFailing('Connection timed out during banner exchange\n');
    const warnings: string[] = [];
    const began = Date.now();
    const failed = await waitForVmSsh('stuck', {
      vmsRoot: sandbox.vmsRoot,
      runner: noBanner,
      intervalMs: 100,
      deadlineMs: 120_000,
      bootStallMs: 1500,
      bootStartSize,
      onWarning: (message) => warnings.push(message),
    }).catch((error) => error);
    expect(Date.now() - began).toBeLessThan(60_000);
    expect(failed).toMatchObject({
      code: 'TNB400',
      message: expect.stringMatching(
        /^stuck's boot stalled: the guest's console printed nothing for .* and it takes no TCP on port 22 \(reset after the first boot stalled\)$/,
      ),
      hint: expect.stringContaining(`serial.log in ${paths.dir}: `),
    });
    expect(failed.hint).toContain('`tnbuild vm stop stuck`');
    expect(failed.details).toContain('QEMU: the guest is running');
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^stuck's boot stalled \\(.*\\): reset it to boot again; the stalled boot's boot-1-serial\\.log and boot-1-guest-state\\.txt are in ${escapeRegExp(paths.dir)}$`,
        ),
      ),
    ]);
    // The reset booted the disk again and it ran: its line twice in the log, once in the first boot's copy.
    const log = await readFile(paths.serialLog, 'utf8');
    expect(log.split('kernel says hello')).toHaveLength(3);
    expect(await readFile(join(paths.dir, 'boot-1-serial.log'), 'utf8')).toBe(
      'stall-test: kernel says hello\r\n',
    );
    expect((await stat(join(paths.dir, 'boot-1-serial.log'))).mode & 0o777).toBe(0o600);
    const state = await readFile(join(paths.dir, 'boot-1-guest-state.txt'), 'utf8');
    expect(state).toMatch(/^the guest's console printed nothing for .* and it takes no TCP on port 22\n/);
    expect(state).toContain('QEMU: the guest is paused');
    expect(state).toContain('SYN_SENT');
    expect((await vmStatus('stuck', { vmsRoot: sandbox.vmsRoot })).state).toBe('running');
  });

  it('never signals a process that merely reuses the pid in a stale pid file', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'stale');
    await writeFile(paths.pidFile, `${process.pid}\n`);
    expect((await vmStatus('stale', { vmsRoot: sandbox.vmsRoot })).state).toBe('stopped');
    expect(await stopVm('stale', { vmsRoot: sandbox.vmsRoot, deadlineMs: 0 })).toMatchObject({
      method: 'not-running',
    });
    expect(existsSync(paths.pidFile)).toBe(false);
  });

  it('has a stop script that never signals a process reusing a stale pid, nor a pid file that is not a pid', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'stale-script');
    const bystander = execa('sleep', ['300']);
    try {
      for (const content of [`${bystander.pid}\n`, '-1\n', '0\n', '  \n']) {
        await writeFile(paths.pidFile, content);
        // A bounded run: the script as it was waited 60 s for the "VM", then sent SIGKILL to the pid (or to -1).
        const stop = await execa('sh', [paths.stopScript], { timeout: 10_000, killSignal: 'SIGKILL' });
        expect(stop.stdout, JSON.stringify(content)).toBe('stale-script is not running');
      }
      expect(isAlive(bystander.pid)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
      await bystander.catch(() => {});
    }
  });

  it('has a stop script that works on its own', async () => {
    const sandbox = await newSandbox();
    const { paths } = await createTestVm(sandbox, 'scripted');
    expect((await execa('sh', [paths.stopScript])).stdout).toBe('scripted is not running');
    await execa('sh', [paths.startScript]);
    started.push({ sandbox, name: 'scripted' });
    expect((await vmStatus('scripted', { vmsRoot: sandbox.vmsRoot })).state).toBe('running');
    // It knows its own QEMU (started with its pid file): the blank guest ignores the button, so QEMU is told to quit.
    const stop = await execa('sh', [paths.stopScript], { env: { TNBUILD_STOP_WAIT: '1' }, timeout: 30_000 });
    expect(stop.stdout.split('\n')).toEqual([
      'scripted ignored the power button; quitting QEMU',
      'scripted stopped',
    ]);
    expect((await vmStatus('scripted', { vmsRoot: sandbox.vmsRoot })).state).toBe('stopped');
  });
});
