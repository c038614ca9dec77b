import { TnbuildError } from '../errors/index.ts';
import { closestWord } from '../host/closest-word.ts';

/** One action of a command that has several (`tnbuild vm start`), as its help lists it. */
export interface Action {
  readonly name: string;
  readonly args: string;
  readonly summary: string;
}

export const VM_ACTIONS: readonly Action[] = [
  {
    name: 'create',
    args: '<recipe>',
    summary: 'clone the recipe’s template into ~/vms with its own identity',
  },
  { name: 'start', args: '<name>', summary: 'boot the VM in the background' },
  { name: 'stop', args: '<name>', summary: 'press the ACPI power button; quit QEMU if the guest ignores it' },
  { name: 'status', args: '<name>', summary: 'running or stopped, with its ports and address' },
  {
    name: 'ssh',
    args: '<name> [-- command…]',
    summary: 'log in, or run a command, with the host key pinned',
  },
  { name: 'destroy', args: '<name>', summary: 'remove the VM and its disk; the template stays' },
  { name: 'list', args: '', summary: 'every VM in ~/vms and its state' },
];

export const TEMPLATES_ACTIONS: readonly Action[] = [
  { name: 'list', args: '', summary: 'the stored templates, their size and build time' },
  { name: 'rm', args: '<name|key>', summary: 'remove a template no clone uses' },
  { name: 'gc', args: '[--dry-run]', summary: 'remove templates the recipes as they are now no longer use' },
];

export const CACHE_ACTIONS: readonly Action[] = [
  { name: 'list', args: '', summary: 'the cached downloads, their size and last use' },
  { name: 'verify', args: '', summary: 'hash every file again; remove the ones that changed' },
  { name: 'prune', args: '[--older-than days] [--keep n]', summary: 'remove downloads not used lately' },
];

/** The help's Examples section: each action on its own line, with what it does. */
export function actionLines(command: string, actions: readonly Action[]): string {
  const usages = actions.map(
    (action) => `$ tnbuild ${command} ${action.name}${action.args ? ` ${action.args}` : ''}`,
  );
  const width = Math.max(...usages.map((usage) => usage.length));
  return actions.map((action, index) => `  ${usages[index]!.padEnd(width)}  ${action.summary}`).join('\n');
}

/** The action given, or TNB110 listing the actions (with a "did you mean" for a near miss). */
export function requireAction(
  command: string,
  given: string | undefined,
  actions: readonly Action[],
): string {
  if (given !== undefined && actions.some((action) => action.name === given)) return given;
  const near =
    given === undefined
      ? undefined
      : closestWord(
          given,
          actions.map((action) => action.name),
        );
  const what =
    given === undefined
      ? `tnbuild ${command} needs an action`
      : `unknown ${command} action "${given}"${near ? ` — did you mean "${near}"?` : ''}`;
  throw new TnbuildError('TNB110', what, {
    details: actionLines(command, actions).split('\n'),
    hint: `Run \`tnbuild ${command} --help\` for its options.`,
  });
}
