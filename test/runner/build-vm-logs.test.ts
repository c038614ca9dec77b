import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../host/command-runner.ts';
import { execaCommandRunner } from '../../host/execa-command-runner.ts';
import { withBuildVm } from '../../runner/build-child-layer.ts';
import type { LayerContext } from '../../runner/layer-context.ts';
import { newSandbox } from '../vms/helpers.ts';

// A child layer's build VM on a blank template under real QEMU (TCG): SeaBIOS finds nothing to boot, so SSH never
// comes up, as in the unexplained "never answered SSH" failure.
function layerContext(
  logDir: string,
  signal?: AbortSignal,
  events: Record<string, unknown>[] = [],
): LayerContext {
  return {
    layer: { recipe: 'child', arch: 'x86_64' },
    recipe: { machine: { cpus: 1, memoryBytes: 128 * 2 ** 20 } },
    logDir,
    accel: 'tcg',
    onError: 'remove',
    runner: execaCommandRunner,
    logger: silentLogger,
    emit: (event: Record<string, unknown>) => events.push(event),
    ...(signal && { signal }),
  } as unknown as LayerContext;
}

describe('a failed build VM', () => {
  it('leaves its console and QEMU command line in the layer’s log folder and names it, with onError remove', async () => {
    const sandbox = await newSandbox('build-vm-logs');
    const logDir = join(sandbox.dir, 'output/logs/child-x86_64-000000000000');
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('tnbuild-vm-')));
    const context = layerContext(logDir, AbortSignal.timeout(4000));
    await mkdir(logDir, { recursive: true });

    const failure = await withBuildVm(context, sandbox.template, async () => 'never').catch((error) => error);
    expect(failure).toMatchObject({ code: 'TNB306' });
    expect(failure.details).toContain(`logs: ${logDir} (serial.log, qemu-command.sh)`);
    expect(existsSync(join(logDir, 'serial.log'))).toBe(true);
    const command = readFileSync(join(logDir, 'qemu-command.sh'), 'utf8');
    expect(command).toMatch(/^exec \S*qemu-system-x86_64/m);
    expect(command).toContain('-pidfile');
    // Nothing else stays: the build VM's folder is removed, as onError remove says.
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith('tnbuild-vm-') && !before.has(name));
    expect(after).toEqual([]);
  });
});

describe('a build VM whose sshd never answers', () => {
  it('says what QEMU saw of the guest, before stopping it: running, and the forwarded connection never answered', async () => {
    const sandbox = await newSandbox('build-vm-state');
    const logDir = join(sandbox.dir, 'output/logs/child-x86_64-000000000001');
    await mkdir(logDir, { recursive: true });

    const failure = await withBuildVm(layerContext(logDir), sandbox.template, async () => 'never', {
      sshDeadlineMs: 2000,
    }).catch((error) => error);

    expect(failure).toMatchObject({ code: 'TNB400' });
    const details = failure.details.join('\n');
    expect(details).toContain('guest state:\n  QEMU: the guest is running\n');
    expect(details).toContain('did not answer TCP on port 22 (user-mode network: SYN_SENT)');
    expect(failure.details).toContain(`logs: ${logDir} (serial.log, qemu-command.sh, guest-state.txt)`);
    expect(readFileSync(join(logDir, 'guest-state.txt'), 'utf8')).toMatch(
      /^QEMU: the guest is running\n.*SYN_SENT/,
    );
  });
});

describe('a build VM whose boot stalls', () => {
  it('is booted once more from its template, keeping the stalled boot’s console; a second stall fails at once', async () => {
    // The boot sector prints one line and halts: the console goes silent and no TCP is ever answered.
    const sandbox = await newSandbox('build-vm-stall', { bootText: 'stalled boot sector\r\n' });
    const logDir = join(sandbox.dir, 'output/logs/child-x86_64-000000000002');
    await mkdir(logDir, { recursive: true });
    const events: Record<string, unknown>[] = [];
    const started = Date.now();

    const failure = await withBuildVm(
      layerContext(logDir, undefined, events),
      sandbox.template,
      async () => 'never',
      { sshDeadlineMs: 120_000, stallMs: 1500 },
    ).catch((error) => error);

    // Well before the SSH deadline: each boot ends once it is seen stalled.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(failure).toMatchObject({
      code: 'TNB400',
      hint: expect.stringMatching(
        /^Read boot-1-serial\.log and serial\.log in the log folder: .*TNBUILD_BOOT_STALL/,
      ),
    });
    expect(failure.message).toMatch(
      /^SSH never came up: the boot stalled: the guest's console printed nothing for [0-9.]+ s and it takes no TCP on port 22 \(booted again after the first boot stalled\)$/,
    );
    const warnings = events.filter((event) => event.type === 'log' && event.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(
            `^the build VM's boot stalled \\(.*\\): booting it again from ${sandbox.template.name}; .* are in ${logDir}$`,
          ),
        ),
      }),
    ]);
    expect(failure.details).toContain(
      `logs: ${logDir} (serial.log, qemu-command.sh, guest-state.txt, boot-1-serial.log, boot-1-guest-state.txt)`,
    );
    expect(readFileSync(join(logDir, 'boot-1-serial.log'), 'latin1')).toContain('stalled boot sector');
    expect(readFileSync(join(logDir, 'boot-1-guest-state.txt'), 'utf8')).toMatch(
      /^the guest's console printed nothing for .*\nQEMU: the guest is running\n.*SYN_SENT/,
    );
    // The second boot's own console, not the first one's again.
    expect(readFileSync(join(logDir, 'serial.log'), 'latin1').match(/stalled boot sector/g)).toHaveLength(1);
  });
});
