import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { PACKAGE_ROOT } from '../../host/package-root.ts';
import type { HttpFileMap } from '../http-server.ts';
import { consoleDriver } from './console-driver.ts';
import type { InstallContext, InstallDriver, InstallPlan } from './install-driver.ts';
import { shellQuote } from './shell-quote.ts';

export interface ScriptDriverOptions {
  /** isolinux label typed at `boot:`. @default 'install' */
  readonly label?: string;
  /** Handlebars template of the answer file; `{{{shq x}}}` shell-quotes. @default the built-in rootfs installer */
  readonly answerTemplate?: string;
  /** Values for the template, beside `disk`, `authorizedKey`, `hostname`, `after`, `rootfsUrl`, `kernelAppend`. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Extra files served next to the answer file (the rootfs tarball). */
  readonly files?: HttpFileMap;
  /** URL path of the rootfs tar among `files`. @default '/rootfs.tar' */
  readonly rootfsPath?: string;
  /** @default 'tnb-guest' */
  readonly hostname?: string;
  /** Kernel options of the installed system. @default 'console=ttyS0,115200 net.ifnames=0' */
  readonly kernelAppend?: string;
  /** Milliseconds to wait for `boot:`. @default 60000 */
  readonly bootPromptTimeoutMs?: number;
  /** Milliseconds for the whole install. @default 900000 */
  readonly installTimeoutMs?: number;
  /** Milliseconds from the reboot to the installed system's login prompt. @default 300000 */
  readonly rebootTimeoutMs?: number;
  /** Pause per typed character at `boot:`. @default 30 */
  readonly perCharDelayMs?: number;
  /** Refuse smaller disks before booting. @default the total size of the served files */
  readonly minDiskBytes?: number;
  /** More console text that means the install failed, beside the preset's own (a recipe's `failOn`). */
  readonly failOn?: readonly (string | RegExp)[];
  /** Appended to QEMU's arguments (a recipe's `qemuArgs`). */
  readonly qemuArgs?: readonly string[];
}

const ANSWER_PATH = '/answer.sh';
const defaultTemplate = readFileSync(
  join(PACKAGE_ROOT, 'builders', 'drivers', 'script-answer.sh.hbs'),
  'utf8',
);

const handlebars = Handlebars.create();
handlebars.registerHelper('shq', (value: unknown, options: { loc?: { start: { line: number } } }) => {
  // Strict mode does not cover helper arguments: a typo would otherwise become '' in the guest.
  if (value === undefined || value === null) {
    throw new Error(`answer template line ${options.loc?.start.line ?? '?'}: shq got an undefined variable`);
  }
  return shellQuote(String(value));
});

/** Renders an answer template with shell-quoting available as `shq`; unknown variables are an error. */
export function renderAnswerTemplate(template: string, context: Readonly<Record<string, unknown>>): string {
  return handlebars.compile(template, { strict: true, noEscape: true })(context);
}

async function totalFileBytes(files: HttpFileMap): Promise<number> {
  let total = 0;
  for (const file of Object.values(files)) {
    total += 'content' in file ? file.content.length : (await stat(file.path)).size;
  }
  return total;
}

/**
 * The generic protocol of tnbuild's test ISO (and any installer built the same way): at isolinux's `boot:` type
 * `<label> tnb.answer=URL` (paced, echo checked), the live environment fetches and runs the answer file, which
 * prints `tnb-install: done` and reboots into the installed disk. A preset of the console installer.
 */
export function scriptDriver(options: ScriptDriverOptions = {}): InstallDriver {
  const perCharDelayMs = options.perCharDelayMs ?? 30;
  return {
    name: 'script',
    async plan(context: InstallContext): Promise<InstallPlan> {
      const files = options.files ?? {};
      const answer = renderAnswerTemplate(options.answerTemplate ?? defaultTemplate, {
        extraScript: '',
        ...options.vars,
        disk: context.diskDevice,
        authorizedKey: context.authorizedKey,
        hostname: options.hostname ?? 'tnb-guest',
        after: 'reboot',
        rootfsUrl: context.guestUrl(options.rootfsPath ?? '/rootfs.tar'),
        kernelAppend: options.kernelAppend ?? 'console=ttyS0,115200 net.ifnames=0',
      });
      const answerUrl = context.guestUrl(ANSWER_PATH);
      return consoleDriver({
        name: 'script',
        hostname: options.hostname ?? 'tnb-guest',
        bootSteps: [
          { expect: 'boot:', timeoutMs: options.bootPromptTimeoutMs ?? 60_000 },
          {
            send: `${options.label ?? 'install'} tnb.answer=${answerUrl}`,
            paceMs: perCharDelayMs,
            raw: true,
          },
          // Enter only once the whole line echoed back: isolinux drops characters typed too fast.
          { expect: answerUrl, timeoutMs: 10_000 },
          { send: '\r', raw: true },
        ],
        installSteps: [
          {
            expect: 'tnb-live: running answer file',
            timeoutMs: 180_000,
            failOn: [/tnb-live: network failed/, /tnb-live: answer file download failed/],
          },
        ],
        end: {
          console: 'tnb-install: done',
          timeoutMs: options.installTimeoutMs ?? 900_000,
          // A full disk fails at once: GNU tar would otherwise read the whole rootfs stream before giving up.
          failOn: [/tnb-install: failed during/, /tnb-live: answer file failed/, /No space left on device/],
        },
        after: 'reboot',
        // The installed system's serial getty; isolinux's prompt again means the CD booted a second time.
        afterSteps: [
          { expect: /login: ?$/m, timeoutMs: options.rebootTimeoutMs ?? 300_000, failOn: [/^boot: ?$/m] },
        ],
        files: { ...files, [ANSWER_PATH]: { content: answer } },
        ...(options.failOn && { failOn: options.failOn }),
        ...(options.qemuArgs && { qemuArgs: options.qemuArgs }),
        minDiskBytes: options.minDiskBytes ?? (await totalFileBytes(files)),
      }).plan(context);
    },
  };
}
