import { describe, expect, it } from 'vitest';
import { describeConsoleSteps } from '../../../builders/console-steps.ts';
import { type ConsoleInstallerSpec, consoleDriver } from '../../../builders/drivers/console-driver.ts';
import { installContext } from '../helpers/install-context.ts';

const context = installContext();

const grub: ConsoleInstallerSpec = {
  hostname: 'tnb-grub',
  vars: { suite: 'bookworm' },
  bootSteps: [
    { expect: 'GNU GRUB', timeoutMs: 60_000 },
    { send: 'e<down><down><ctrl-e>' },
    { send: ' tnb.answer={{http.url}}/answer.sh<ctrl-x>', paceMs: 20, echoTimeoutMs: 10_000 },
  ],
  end: { powerOff: true, timeoutMs: 900_000 },
  failOn: ['install failed (', /Kernel panic/],
  afterSteps: [{ expect: /login: ?$/m, timeoutMs: 300_000 }],
  files: { '/answer.sh': { template: 'disk={{disk}} host={{hostname}} suite={{vars.suite}}\n' } },
  qemuArgs: ['-device', 'virtio-tablet-pci'],
};

describe('consoleDriver', () => {
  it('renders the templates with the build’s values and turns keys into bytes, with an echo check', async () => {
    const plan = await consoleDriver(grub).plan(context);
    expect(describeConsoleSteps(plan.bootSteps)).toEqual([
      'expect "GNU GRUB" within 60s fail on /install failed \\(/, /Kernel panic/',
      'send "e"',
      'send "\\u001b[B\\u001b[B\\u0005"',
      'send " tnb.answer=http://10.0.2.2:8123/answer.sh" (20 ms/char)',
      'expect "tnb.answer=http://10.0.2.2:8123/answer.sh" (as read) within 10s fail on /install failed \\(/, /Kernel panic/',
      'send "\\u0018" (20 ms/char)',
    ]);
    expect(describeConsoleSteps(plan.installSteps)).toEqual([
      'wait for power off within 900s fail on /install failed \\(/, /Kernel panic/',
    ]);
    expect(plan.afterInstall).toBe('restart-from-disk');
    expect(plan.files['/answer.sh']).toEqual({ content: 'disk=/dev/vda host=tnb-grub suite=bookworm\n' });
    expect(plan.qemuArgs).toEqual(['-device', 'virtio-tablet-pci']);
    expect(plan.username).toBe('root');
  });

  it('a value is typed, never read as keys or a template: "<enter>" and "{{x}}" in a var stay text', async () => {
    const plan = await consoleDriver({
      ...grub,
      vars: { suite: '<enter>{{disk}}' },
      bootSteps: [{ send: 'suite={{vars.suite}}<enter>' }],
    }).plan(context);
    expect(plan.bootSteps).toEqual([{ send: 'suite=<enter>{{disk}}' }, { send: '\r' }]);
  });

  it('ends on a console marker (reboot in place, or boot the disk) or with SSH reachable (stay)', async () => {
    const marker = await consoleDriver({
      ...grub,
      end: { console: 'tnb-install: done', timeoutMs: 1000 },
    }).plan(context);
    expect(marker.afterInstall).toBe('reboot-in-place');
    expect(marker.installSteps).toEqual([
      { expect: 'tnb-install: done', timeoutMs: 1000, failOn: [/install failed \(/, /Kernel panic/] },
    ]);
    const detached = await consoleDriver({
      ...grub,
      end: { console: 'done', timeoutMs: 1000 },
      after: 'boot-disk',
    }).plan(context);
    expect(detached.afterInstall).toBe('restart-from-disk');
    const live = await consoleDriver({ ...grub, end: { ssh: true } }).plan(context);
    expect(live).toMatchObject({ afterInstall: 'stay', installSteps: [] });
  });

  it('a netboot kernel line is a template too; an unknown variable is an error, not an empty string', async () => {
    const plan = await consoleDriver({
      ...grub,
      kernel: { kernel: '/k/linux', initrd: '/k/initrd.gz', cmdline: 'url={{http.url}}/preseed.cfg' },
    }).plan(context);
    expect(plan.kernelBoot).toEqual({
      kernel: '/k/linux',
      initrd: '/k/initrd.gz',
      append: 'url=http://10.0.2.2:8123/preseed.cfg',
    });
    await expect(async () =>
      consoleDriver({ ...grub, bootSteps: [{ send: '{{http.addr}}' }] }).plan(context),
    ).rejects.toThrow(/http.addr|addr/);
  });
});
