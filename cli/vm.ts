import type { AccelChoice } from '../builders/machine-spec.ts';
import { TnbuildError } from '../errors/index.ts';
import type { VmStatus } from '../vms/vm-status.ts';
import type { GlobalOptions } from './global-options.ts';
import { type CommandOutput, jsonOutput } from './output.ts';

// Each action loads only what it uses: `vm list` and `vm stop` answer at once, without execa, QEMU probing or the
// recipe loader behind them.

export interface VmCommandOptions extends GlobalOptions {
  readonly name?: string;
  readonly full?: boolean;
  readonly force?: boolean;
  readonly key?: string;
  readonly accel?: AccelChoice;
  /** For `ssh`: the command to run instead of a shell. */
  readonly command?: readonly string[];
  /** For `start`: return once the VM lets the user in over SSH. */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
}

function formatStatus(status: VmStatus): string {
  const ports = status.ports.map((port) => `${port.name} 127.0.0.1:${port.host}→${port.guest}`).join(', ');
  return `${status.name.padEnd(20)} ${status.state.padEnd(8)} ${status.pid ? `pid ${status.pid}`.padEnd(10) : ''.padEnd(10)} ${status.ula ?? '-'}  ${ports}`;
}

/** `tnbuild vm create|start|stop|status|ssh|destroy|list`: clones in ~/vms and their lifecycle. */
export async function vm(
  action: string,
  target: string | undefined,
  options: VmCommandOptions,
): Promise<CommandOutput> {
  const need = (what: string) => {
    if (!target) throw new TnbuildError('TNB110', `tnbuild vm ${action} needs ${what}`);
    return target;
  };
  switch (action) {
    case 'create':
      return [await createFromRecipe(need('a recipe name (node, registry)'), options)];
    case 'start': {
      const { startVm } = await import('../vms/start-vm.ts');
      const name = need('a VM name');
      // Read before QEMU starts: a bad value starts nothing.
      const bootStallMs = options.wait ? await bootStallSetting() : undefined;
      const status = await startVm(name);
      const started = `started ${formatStatus(status)}`;
      if (!options.wait) return [started];
      return [
        started,
        await waitForLogin(status.name, options, {
          bootStartSize: status.bootStartSize,
          ...(bootStallMs !== undefined && { bootStallMs }),
        }),
      ];
    }
    case 'stop': {
      const { stopVm } = await import('../vms/stop-vm.ts');
      const result = await stopVm(need('a VM name'));
      return [`stopped ${target} (${result.method}, ${(result.elapsedMs / 1000).toFixed(1)} s)`];
    }
    case 'status': {
      const { vmStatus } = await import('../vms/vm-status.ts');
      const status = await vmStatus(need('a VM name'));
      return options.json ? jsonOutput({ vm: status }) : [formatStatus(status)];
    }
    case 'list': {
      const { listVms } = await import('../vms/vm-status.ts');
      const statuses = await listVms();
      if (options.json) return jsonOutput({ vms: statuses });
      return statuses.length ? statuses.map(formatStatus) : [await suggestFirstVm(options)];
    }
    case 'destroy': {
      const { destroyVm } = await import('../vms/destroy-vm.ts');
      const result = await destroyVm(need('a VM name'), { force: options.force ?? false });
      return [
        `destroyed ${target}${result.removedBases.length ? `; removed unused base disks ${result.removedBases.join(', ')}` : ''}`,
      ];
    }
    case 'ssh': {
      const { resolveUserKey } = await import('./user-key.ts');
      const { sshVm } = await import('../vms/ssh-vm.ts');
      const { identityFile } = await resolveUserKey(options.key);
      const { file, args } = await sshVm(need('a VM name'), {
        identityFile,
        ...(options.command?.length && { command: options.command }),
      });
      const { execa } = await import('execa');
      const result = await execa(file, args, { stdio: 'inherit', reject: false });
      process.exitCode = result.exitCode ?? 1;
      return [];
    }
    default:
      throw new TnbuildError(
        'TNB110',
        `unknown vm action "${action}"; expected create | start | stop | status | ssh | destroy | list`,
      );
  }
}

/** `TNBUILD_BOOT_STALL` for `vm start --wait`, in ms; undefined for the default. */
async function bootStallSetting(): Promise<number | undefined> {
  const { bootStallFromEnv } = await import('./boot-stall-env.ts');
  return bootStallFromEnv(process.env.TNBUILD_BOOT_STALL);
}

/** `vm start --wait`: polls SSH with the user's key and the pinned host key, as `tnbuild vm ssh` would log in. */
async function waitForLogin(
  name: string,
  options: VmCommandOptions,
  watch: { bootStallMs?: number; bootStartSize: number },
): Promise<string> {
  const { resolveUserKey } = await import('./user-key.ts');
  const { waitForVmSsh } = await import('../vms/wait-for-vm-ssh.ts');
  const { identityFile } = await resolveUserKey(options.key);
  const ms = await waitForVmSsh(name, {
    identityFile,
    ...watch,
    onWarning: (message) => console.error(`warning: ${message}`),
    ...(options.signal && { signal: options.signal }),
  });
  return `${name} answers SSH after ${(ms / 1000).toFixed(1)} s: \`tnbuild vm ssh ${name}\``;
}

/** What to do when there is no VM yet, for the state the user is in: a command that works now. */
async function suggestFirstVm(options: VmCommandOptions): Promise<string> {
  const { listTemplates } = await import('../templates/index.ts');
  const { storeFor } = await import('./store-for.ts');
  const stored = [...new Set((await listTemplates(storeFor(options))).map((t) => t.manifest.recipe))].sort();
  if (stored.length > 0) {
    return `no VMs; create one from a stored template: ${stored.map((name) => `\`tnbuild vm create ${name}\``).join(' or ')}`;
  }
  return 'no VMs and no templates yet; build one with `tnbuild recipe <name>` (see `tnbuild validate` for the recipes), or run `tnbuild install` for node and registry';
}

/** A clone of the recipe's current template, with the user's key and the recipe's name, ports and ULA. */
export async function createFromRecipe(recipeName: string, options: VmCommandOptions): Promise<string> {
  const { templateForRecipe } = await import('./template-for-recipe.ts');
  const { createVm } = await import('../vms/create-vm.ts');
  const { resolveUserKey } = await import('./user-key.ts');
  const { recipe, template } = await templateForRecipe(recipeName, options);
  // Loaded here only: listing or stopping VMs needs no QEMU probing code.
  const { requireHostTools, resolveAccel } = await import('../builders/index.ts');
  const tools = await requireHostTools(options.arch);
  const accel = await resolveAccel({
    arch: options.arch,
    choice: options.accel ?? 'auto',
    qemuSystem: tools.qemuSystem,
    firmware: tools.firmware,
  });
  const { publicKey } = await resolveUserKey(options.key);
  const created = await createVm({
    template,
    name: options.name ?? recipe.vm.name,
    full: options.full ?? false,
    force: options.force ?? false,
    sshPublicKey: publicKey,
    machine: { accel: accel.accel, firmware: tools.firmware, qemuSystem: tools.qemuSystem },
  });
  const mode = created.record.disk.mode === 'linked' ? 'linked clone' : 'full copy';
  return `created ${created.record.name} (${mode} of ${template.name}) in ${created.paths.dir} in ${Math.round(created.elapsedMs)} ms; start it with \`tnbuild vm start ${created.record.name}\``;
}
