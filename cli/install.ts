import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecipe } from '../dsl/load-recipes.ts';
import { resolveVmsRoot, startVm } from '../vms/index.ts';
import { type RecipeCommandOptions, recipe } from './recipe.ts';
import { createFromRecipe } from './vm.ts';

export interface InstallOptions extends RecipeCommandOptions {
  /** Recreate VMs that exist already. @default false */
  readonly replace?: boolean;
  /** @default ['node', 'registry'] */
  readonly names?: readonly string[];
  readonly key?: string;
}

/**
 * `tnbuild install`: what the seed's one-shot script did, done the cached way — build or reuse the node and
 * registry templates, clone both into ~/vms, start them.
 */
export async function install(options: InstallOptions): Promise<string[]> {
  const lines: string[] = [];
  // With --json every line is an event object, like the build events before it.
  const say = (event: Record<string, unknown>, text: string) =>
    lines.push(options.json ? JSON.stringify({ time: new Date().toISOString(), ...event }) : text);
  const names = options.names ?? ['node', 'registry'];
  for (const name of names) lines.push(...(await recipe(name, options)));
  const started = Date.now();
  for (const name of names) {
    // The recipe names its clones (`vm.name`); nothing assumes trustnet-<recipe>.
    const vmName = (await loadRecipe(options.recipes, name)).vm.name;
    if (existsSync(join(resolveVmsRoot(), vmName, 'vm.json')) && !options.replace) {
      say(
        { type: 'vm-kept', vm: vmName },
        `${vmName} exists; kept it (pass --replace to recreate it from the template)`,
      );
      continue;
    }
    const created = await createFromRecipe(name, { ...options, force: options.replace ?? false });
    say({ type: 'vm-created', vm: vmName, recipe: name }, created);
    const status = await startVm(vmName);
    say(
      { type: 'vm-started', vm: vmName, pid: status.pid, ports: status.ports },
      `started ${vmName} (pid ${status.pid}); ssh: tnbuild vm ssh ${vmName}`,
    );
  }
  say(
    { type: 'done', vmsMs: Date.now() - started },
    `VMs ready in ${((Date.now() - started) / 1000).toFixed(1)} s after the templates`,
  );
  return lines;
}
