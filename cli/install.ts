import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { resolveVmsRoot, startVm, stopVm, vmStatus } from '../vms/index.ts';
import { type RecipeCommandOptions, recipe } from './recipe.ts';
import { createFromRecipe } from './vm.ts';

export interface InstallOptions extends RecipeCommandOptions {
  /** Recreate VMs that exist already (a running one is stopped first). @default false */
  readonly replace?: boolean;
  /** The recipes to install, in order. @default ['node', 'registry'] */
  readonly names?: readonly string[];
  readonly key?: string;
}

type Say = (event: Record<string, unknown>, text: string) => void;

/**
 * `tnbuild install`: what the seed's one-shot script did, done the cached way — build or reuse the node and
 * registry templates, clone both into ~/vms, start them. The VMs are made and started side by side: a cached
 * reinstall is as long as its slowest VM, not the sum. A VM that fails does not stop the other; the first failure
 * is the command's error once both have ended.
 */
export async function install(options: InstallOptions): Promise<string[]> {
  const lines: string[] = [];
  // With --json every line is an event object, like the build events before it.
  const sayInto =
    (into: string[]): Say =>
    (event, text) =>
      into.push(options.json ? JSON.stringify({ time: new Date().toISOString(), ...event }) : text);
  const names = options.names?.length ? options.names : ['node', 'registry'];
  lines.push(...(await recipe(names, options)));
  const started = Date.now();
  const perVm = names.map((): string[] => []);
  const results = await Promise.allSettled(
    names.map((name, index) => installVm(name, options, sayInto(perVm[index]!))),
  );
  lines.push(...perVm.flat());
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  sayInto(lines)(
    { type: 'done', vmsMs: Date.now() - started },
    `VMs ready in ${((Date.now() - started) / 1000).toFixed(1)} s after the templates`,
  );
  return lines;
}

/** One recipe's clone: kept, or (re)created from its template and started. */
async function installVm(name: string, options: InstallOptions, say: Say): Promise<void> {
  // The recipe names its clones (`vm.name`); nothing assumes trustnet-<recipe>.
  const vmName = (await loadRecipe(options.recipes, name)).vm.name;
  if (existsSync(join(resolveVmsRoot(), vmName, 'vm.json'))) {
    if (!options.replace) {
      say(
        { type: 'vm-kept', vm: vmName },
        `${vmName} exists; kept it (pass --replace to recreate it from the template)`,
      );
      return;
    }
    if ((await vmStatus(vmName)).state === 'running') {
      const stopped = await stopVm(vmName);
      say(
        { type: 'vm-stopped', vm: vmName, method: stopped.method, ms: Math.round(stopped.elapsedMs) },
        `stopped ${vmName} to replace it (${stopped.method}, ${(stopped.elapsedMs / 1000).toFixed(1)} s)`,
      );
    }
  }
  const created = await createFromRecipe(name, { ...options, force: options.replace ?? false });
  say({ type: 'vm-created', vm: vmName, recipe: name }, created);
  const status = await startVm(vmName);
  say(
    { type: 'vm-started', vm: vmName, pid: status.pid, ports: status.ports },
    `started ${vmName} (pid ${status.pid}); ssh: tnbuild vm ssh ${vmName}`,
  );
}
