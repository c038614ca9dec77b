import { describePattern } from '../dsl/console-notation.ts';
import type {
  ResolvedConsoleInstaller,
  ResolvedConsoleStep,
  ResolvedInstaller,
} from '../dsl/resolved-recipe.ts';
import { durationText } from '../dsl/size.ts';

// A console installer as `tnbuild plan` shows it: the steps as the recipe wrote them (templates unrendered, so no
// value, secret or not, is printed), how the install ends, and what is served.

function describeStep(step: ResolvedConsoleStep): string {
  if ('expect' in step)
    return `expect ${describePattern(step.expect)} within ${durationText(step.timeoutMs)}`;
  if ('waitMs' in step) return `wait ${durationText(step.waitMs)}`;
  const notes = [
    ...(step.paceMs ? [`${step.paceMs} ms/char`] : []),
    ...(step.echoTimeoutMs !== undefined ? [`echo within ${durationText(step.echoTimeoutMs)}`] : []),
  ];
  return `send ${JSON.stringify(step.send)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** `[label, value]` rows; a label repeats as '' on the lines after its first. */
export function describeConsoleInstaller(installer: ResolvedConsoleInstaller): [string, string][] {
  const rows: [string, string][] = [];
  const add = (label: string, values: readonly string[]) => {
    for (const [index, value] of values.entries()) rows.push([index === 0 ? label : '', value]);
  };
  add('boot', installer.boot.map(describeStep));
  const { end } = installer;
  const failOn = installer.failOn.length
    ? `; fail on ${installer.failOn.map(describePattern).join(', ')}`
    : '';
  add('end', [
    ('ssh' in end
      ? 'SSH reachable in the installer’s own system'
      : 'powerOff' in end
        ? `power off within ${durationText(end.timeoutMs)}`
        : `console shows ${describePattern(end.console)} within ${durationText(end.timeoutMs)}`) + failOn,
  ]);
  if (!('ssh' in end))
    add('after', [
      installer.after === 'reboot' ? 'reboot into the disk' : 'boot the disk with the medium detached',
      ...installer.afterBoot.map(describeStep),
    ]);
  add('served', [
    ...Object.entries(installer.templates).map(([name]) => `/${name}  (template)`),
    ...Object.entries(installer.files).map(
      ([name, file]) => `/${name}  ${'sha256' in file ? 'local file' : 'download'}`,
    ),
  ]);
  if (installer.qemuArgs.length) add('qemu args', [installer.qemuArgs.join(' ')]);
  if (installer.user !== 'root') add('user', [installer.user]);
  return rows;
}

/** What a recipe changed of a preset installer (alpine, script): its deadlines, failure text and QEMU arguments. */
export function describePresetOverrides(
  installer: Exclude<ResolvedInstaller, ResolvedConsoleInstaller>,
): [string, string][] {
  const rows: [string, string][] = [];
  const { bootMs, installMs, rebootMs } = installer.timeouts;
  const deadlines = [
    ...(bootMs === undefined ? [] : [`boot ${durationText(bootMs)}`]),
    ...(installMs === undefined ? [] : [`install ${durationText(installMs)}`]),
    ...(rebootMs === undefined ? [] : [`reboot ${durationText(rebootMs)}`]),
  ];
  if (deadlines.length) rows.push(['timeouts', deadlines.join(', ')]);
  if (installer.failOn.length) rows.push(['fail on', installer.failOn.map(describePattern).join(', ')]);
  if (installer.qemuArgs.length) rows.push(['qemu args', installer.qemuArgs.join(' ')]);
  return rows;
}
