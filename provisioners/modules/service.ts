import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { ensureFile } from './ensure-file.ts';

type ServiceStep = Extract<ResolvedStep, { type: 'service' }>;

/**
 * Defines (optionally), enables and starts a service. A running service whose definition changed is restarted. All
 * the changes go in one command.
 */
export async function runServiceStep(ctx: ModuleContext, step: ServiceStep): Promise<ModuleResult> {
  const name = step.service;
  if (!/^[A-Za-z0-9][A-Za-z0-9@_.-]*$/.test(name))
    throw new Error(`not a service name: ${JSON.stringify(name)}`);
  const verb = ctx.check ? 'would ' : '';
  const changes: string[] = [];
  let definitionChanged = false;
  let diff: string | undefined;
  if (step.define) {
    const file = ctx.family.serviceDefinition(name, step.define);
    const result = await ensureFile(ctx, file.path, Buffer.from(file.content), {
      mode: file.mode,
      owner: 'root',
      group: 'root',
    });
    if (result.status === 'changed') {
      definitionChanged = true;
      diff = result.diff;
      changes.push(`${file.path}: ${result.reason}`);
    }
  }
  const reload = definitionChanged && !ctx.check ? ctx.family.reloadDefinitions() : undefined;
  if (reload) {
    const reloaded = await execAdmin(ctx, reload);
    if (reloaded.exitCode !== 0) throw new RemoteCommandError('reloading service definitions', reloaded);
  }
  const probe = await execAdmin(ctx, ctx.family.probeService(name));
  const facts = new Set(probe.stdout.split('\n').map((line) => line.trim()));
  if (!facts.has('exists') && !(ctx.check && definitionChanged)) {
    if (ctx.check) return { status: 'changed', reason: `would enable and start ${name} (not installed yet)` };
    throw new Error(
      `there is no service named ${name} in the guest: install the package that ships it first, or give \`define\``,
    );
  }
  const enabled = facts.has('enabled');
  const running = facts.has('running');
  const commands: string[] = [];
  const start = step.state === 'started' && !running && !facts.has('crashed');
  if (step.enabled && !enabled) {
    // systemd does both in one call; OpenRC starts below.
    const both = start && ctx.family.name === 'debian';
    commands.push(ctx.family.enableService(name, both));
    changes.push(both ? 'enable and start' : 'enable');
    if (!both && start) {
      commands.push(ctx.family.startService(name));
      changes.push('start');
    }
  } else {
    if (!step.enabled && enabled) {
      commands.push(ctx.family.disableService(name));
      changes.push('disable');
    }
    if (start) {
      commands.push(ctx.family.startService(name));
      changes.push('start');
    }
  }
  // OpenRC will not `start` a crashed service (it counts as started): restart it instead.
  const restart = step.state === 'started' && ((running && definitionChanged) || facts.has('crashed'));
  if (restart) {
    commands.push(ctx.family.restartService(name));
    changes.push('restart');
  }
  if (step.state === 'stopped' && running) {
    commands.push(ctx.family.stopService(name));
    changes.push('stop');
  }
  if (changes.length === 0)
    return { status: 'ok', reason: `${enabled ? 'enabled, ' : ''}${running ? 'running' : 'stopped'}` };
  if (!ctx.check && commands.length > 0) {
    const result = await execAdmin(ctx, commands.join(' && '));
    if (result.exitCode !== 0) throw new RemoteCommandError(`changing service ${name}`, result);
  }
  return {
    status: 'changed',
    reason: `${verb}${changes.join(', ')}`,
    ...(diff ? { diff } : {}),
    ...((start || restart) && !ctx.check ? { restarted: [name] } : {}),
  };
}
