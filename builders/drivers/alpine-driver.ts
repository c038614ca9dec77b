import { renderAlpineAnswerFile, serialConsoleFor } from './alpine-answer-file.ts';
import { type ConsoleStepSpec, consoleDriver } from './console-driver.ts';
import type { InstallContext, InstallDriver, InstallPlan } from './install-driver.ts';

export interface AlpineDriverOptions {
  /** @default 'alpine' */
  readonly hostname?: string;
  /** @default '-1 -c' (first CDN mirror and the community repository) */
  readonly apkReposOpts?: string;
  /** @default 'UTC' */
  readonly timezone?: string;
  readonly kernelOpts?: string;
  /** Milliseconds for the live system's login prompt. @default 600000 */
  readonly bootTimeoutMs?: number;
  /** Milliseconds for setup-alpine to finish (packages come from the network). @default 1800000 */
  readonly installTimeoutMs?: number;
  /** Milliseconds from the reboot to the installed system's sshd or login prompt. @default bootTimeoutMs */
  readonly rebootTimeoutMs?: number;
  /** Pause per typed character. @default 20 */
  readonly perCharDelayMs?: number;
  /** More console text that means the install failed, beside the preset's own (a recipe's `failOn`). */
  readonly failOn?: readonly (string | RegExp)[];
  /** Appended to QEMU's arguments (a recipe's `qemuArgs`). */
  readonly qemuArgs?: readonly string[];
}

const ANSWER_PATH = '/answers';
const SHELL_PROMPT = /~# $/;
// Messages that mean setup-alpine will not finish by itself.
const FAILURES = [
  /ERROR: unable to select packages/,
  /No space left on device/,
  /Please retry\./,
  /setup-disk: .*(failed|error)/i,
];

/**
 * The real Alpine install (alpine-virt ISO): x86_64 boots isolinux, whose `boot:` prompt is on the serial console
 * and whose kernel line gets a console= typed onto it; aarch64 boots GRUB EFI, whose entries already print on
 * ttyAMA0. Root logs in on the live console without a password, runs `setup-alpine -e -f URL`, then leaves.
 * A preset of the console installer.
 */
export function alpineDriver(options: AlpineDriverOptions = {}): InstallDriver {
  const perCharDelayMs = options.perCharDelayMs ?? 20;
  return {
    name: 'alpine',
    plan(context: InstallContext): InstallPlan | Promise<InstallPlan> {
      const hostname = options.hostname ?? 'alpine';
      const answer = renderAlpineAnswerFile({
        arch: context.arch,
        hostname,
        authorizedKey: context.authorizedKey,
        diskDevice: context.diskDevice,
        apkReposOpts: options.apkReposOpts ?? '-1 -c',
        timezone: options.timezone ?? 'UTC',
        kernelOpts: options.kernelOpts,
      });
      const bootTimeoutMs = options.bootTimeoutMs ?? 600_000;
      const isolinux: ConsoleStepSpec[] =
        context.arch === 'x86_64'
          ? [
              { expect: 'boot:', timeoutMs: 60_000 },
              // The ISO's APPEND has no console=: without ours the live system would not talk on ttyS0.
              { send: `virt ${serialConsoleFor(context.arch)}`, paceMs: perCharDelayMs, raw: true },
              { expect: serialConsoleFor(context.arch), timeoutMs: 10_000 },
              { send: '\r', raw: true },
            ]
          : [];
      const after = context.arch === 'x86_64' ? 'reboot' : 'boot-disk';
      return consoleDriver({
        name: 'alpine',
        hostname,
        bootSteps: [
          ...isolinux,
          { expect: /login: $/m, timeoutMs: bootTimeoutMs },
          { send: 'root\n', raw: true },
          { expect: SHELL_PROMPT, timeoutMs: 60_000 },
          {
            send: `setup-alpine -e -f ${context.guestUrl(ANSWER_PATH)}\n`,
            paceMs: perCharDelayMs,
            raw: true,
          },
        ],
        end: {
          console: /Installation is complete/,
          timeoutMs: options.installTimeoutMs ?? 1_800_000,
          failOn: FAILURES,
        },
        endSteps: [
          { expect: SHELL_PROMPT, timeoutMs: 60_000 },
          { send: after === 'reboot' ? 'reboot\n' : 'poweroff\n', raw: true },
        ],
        after,
        // OpenRC prints on the console even if the installed inittab has no serial getty.
        afterSteps: [
          { expect: /Starting sshd|login: ?$/m, timeoutMs: options.rebootTimeoutMs ?? bootTimeoutMs },
        ],
        files: { [ANSWER_PATH]: { content: answer } },
        // alpine-base + linux-virt + openssh on ext4 with a boot partition: about 300 MB used; ask for 1 GiB.
        ...(options.failOn && { failOn: options.failOn }),
        ...(options.qemuArgs && { qemuArgs: options.qemuArgs }),
        minDiskBytes: 1024 ** 3,
      }).plan(context);
    },
  };
}
