import { parseKeys } from '../../dsl/console-notation.ts';
import { renderTemplate } from '../../dsl/render-template.ts';
import { escapeRegExp } from '../../host/escape-regexp.ts';
import type { ConsoleStep } from '../console-steps.ts';
import type { HttpFile, HttpFileMap } from '../http-server.ts';
import type { InstallContext, InstallDriver, InstallPlan } from './install-driver.ts';

// Any installer, declared rather than coded: Packer's boot_command + http_directory, but every step may wait for
// what the guest prints. The recipe DSL's `console` installer resolves to this spec.

/** One boot step: wait for text, type (with `<key>` names, see dsl/console-notation.ts), or pause. */
export type ConsoleStepSpec =
  | {
      readonly expect: string | RegExp;
      readonly timeoutMs: number;
      /** Failure markers for this wait only, beside the spec's own. */
      readonly failOn?: readonly RegExp[];
    }
  | {
      readonly send: string;
      /** Pause after each character. @default 0 */
      readonly paceMs?: number;
      /** After typing, wait until each run of plain text shows on the console (as read) within this. */
      readonly echoTimeoutMs?: number;
      /** Type the text as it is: no `<key>` names, no template (a preset's already rendered line). */
      readonly raw?: boolean;
    }
  | { readonly waitMs: number };

/** How the install ends: the installer prints a marker, powers the guest off, or leaves a system SSH reaches. */
export type InstallEnd =
  | { readonly console: string | RegExp; readonly timeoutMs: number; readonly failOn?: readonly RegExp[] }
  | { readonly powerOff: true; readonly timeoutMs: number; readonly failOn?: readonly RegExp[] }
  | { readonly ssh: true };

/** A file served to the guest over HTTP during the install: from disk, literal, or a handlebars template. */
export type ServedFile = HttpFile | { readonly template: string };

export interface ConsoleInstallerSpec {
  /** In the progress view and messages. @default 'console' */
  readonly name?: string;
  /** From power-on until the installer runs on its own. */
  readonly bootSteps: readonly ConsoleStepSpec[];
  /** While the installer runs, before its end (waits for its milestones). */
  readonly installSteps?: readonly ConsoleStepSpec[];
  readonly end: InstallEnd;
  /** After the end marker, still in the installer (a preset types `reboot` there). */
  readonly endSteps?: readonly ConsoleStepSpec[];
  /** Console text that means the install failed: the build stops at once with the console's tail. */
  readonly failOn?: readonly (string | RegExp)[];
  /**
   * After a console end: `reboot` (the guest reboots into the disk in the same QEMU) or `boot-disk` (QEMU stops and
   * starts again with the medium detached). A power-off end is always `boot-disk`. @default 'reboot'
   */
  readonly after?: 'reboot' | 'boot-disk';
  /** From leaving the installer until the installed system is up; SSH is waited for after them. */
  readonly afterSteps?: readonly ConsoleStepSpec[];
  /** By URL path (`/preseed.cfg`). */
  readonly files?: Readonly<Record<string, ServedFile>>;
  /** Boot this kernel rather than the medium's boot loader (netboot); `cmdline` is a template. */
  readonly kernel?: { readonly kernel: string; readonly initrd?: string; readonly cmdline?: string };
  readonly qemuArgs?: readonly string[];
  /** Who the build key logs in as on the installed system. @default 'root' */
  readonly user?: string;
  readonly hostname: string;
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly minDiskBytes?: number;
}

/** The values of CONSOLE_TEMPLATE_VARIABLES (dsl/console-notation.ts) and `vars.*` for one build. */
export function consoleTemplateValues(
  context: InstallContext,
  spec: Pick<ConsoleInstallerSpec, 'hostname' | 'user' | 'vars'>,
): Record<string, unknown> {
  const url = new URL(context.guestUrl('/'));
  return {
    http: { host: url.hostname, port: url.port, url: url.origin },
    buildKey: context.authorizedKey,
    disk: context.diskDevice,
    hostname: spec.hostname,
    arch: context.arch,
    user: spec.user ?? 'root',
    vars: spec.vars ?? {},
  };
}

function literal(pattern: string | RegExp): RegExp {
  return typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
}

/** Spec steps → console steps: templates rendered, keys turned into bytes, echo checks after plain text. */
export function consoleSteps(
  steps: readonly ConsoleStepSpec[],
  values: Readonly<Record<string, unknown>>,
  failOn: readonly RegExp[],
): ConsoleStep[] {
  const failing = (own: readonly RegExp[] = []) => {
    const all = [...own, ...failOn];
    return all.length ? { failOn: all } : {};
  };
  return steps.flatMap((step): ConsoleStep[] => {
    if ('expect' in step)
      return [{ expect: step.expect, timeoutMs: step.timeoutMs, ...failing(step.failOn) }];
    if ('waitMs' in step) return [{ sleepMs: step.waitMs }];
    if (step.raw) return [{ send: step.send, ...(step.paceMs ? { perCharDelayMs: step.paceMs } : {}) }];
    return parseKeys(step.send).flatMap((part): ConsoleStep[] => {
      if ('waitMs' in part) return [{ sleepMs: part.waitMs }];
      // Keys are bytes, not templates: a value that holds "<enter>" is typed as those seven characters.
      const text = part.keys ? part.text : renderTemplate(part.text, values);
      const send: ConsoleStep = { send: text, ...(step.paceMs ? { perCharDelayMs: step.paceMs } : {}) };
      if (part.keys || step.echoTimeoutMs === undefined || text.trim() === '') return [send];
      return [send, { expect: text.trim(), timeoutMs: step.echoTimeoutMs, clean: true, ...failing() }];
    });
  });
}

function servedFiles(
  files: Readonly<Record<string, ServedFile>>,
  values: Readonly<Record<string, unknown>>,
): HttpFileMap {
  return Object.fromEntries(
    Object.entries(files).map(([path, file]) => [
      path,
      'template' in file ? { content: renderTemplate(file.template, values) } : file,
    ]),
  );
}

export function consoleDriver(spec: ConsoleInstallerSpec): InstallDriver {
  return {
    name: spec.name ?? 'console',
    plan(context: InstallContext): InstallPlan {
      const values = consoleTemplateValues(context, spec);
      const failOn = (spec.failOn ?? []).map(literal);
      const { end } = spec;
      const endFailOn = 'ssh' in end ? [] : [...(end.failOn ?? []), ...failOn];
      const ending: ConsoleStep[] =
        'console' in end
          ? [
              {
                expect: end.console,
                timeoutMs: end.timeoutMs,
                ...(endFailOn.length ? { failOn: endFailOn } : {}),
              },
            ]
          : 'powerOff' in end
            ? [{ exit: true, timeoutMs: end.timeoutMs, ...(endFailOn.length ? { failOn: endFailOn } : {}) }]
            : [];
      const installSteps = [
        ...consoleSteps(spec.installSteps ?? [], values, failOn),
        ...ending,
        ...consoleSteps(spec.endSteps ?? [], values, failOn),
      ];
      const afterInstall: InstallPlan['afterInstall'] =
        'ssh' in end
          ? 'stay'
          : 'powerOff' in end || spec.after === 'boot-disk'
            ? 'restart-from-disk'
            : 'reboot-in-place';
      const kernel = spec.kernel;
      return {
        files: servedFiles(spec.files ?? {}, values),
        bootSteps: consoleSteps(spec.bootSteps, values, failOn),
        installSteps,
        rebootSteps: consoleSteps(spec.afterSteps ?? [], values, failOn),
        afterInstall,
        username: spec.user ?? 'root',
        ...(kernel && {
          kernelBoot: {
            kernel: kernel.kernel,
            ...(kernel.initrd !== undefined && { initrd: kernel.initrd }),
            ...(kernel.cmdline !== undefined && { append: renderTemplate(kernel.cmdline, values) }),
          },
        }),
        ...(spec.qemuArgs?.length ? { qemuArgs: spec.qemuArgs } : {}),
        ...(spec.minDiskBytes !== undefined && { minDiskBytes: spec.minDiskBytes }),
      };
    },
  };
}
