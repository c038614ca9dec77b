import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pickFreePort } from '../../builders/free-port.ts';
import type { Template, TemplateStore } from '../../templates/template-store.ts';
import { openTemplateStore } from '../../templates/template-store.ts';
import { type CreateVmOptions, createVm } from '../../vms/create-vm.ts';
import { commitBlankTemplate, commitPrintingTemplate, tempDir } from '../templates/helpers.ts';

export interface Sandbox {
  readonly dir: string;
  readonly store: TemplateStore;
  readonly vmsRoot: string;
  readonly template: Template;
  readonly userKey: string;
}

/**
 * A template store with one `node` template, an empty vms root, and a user key pair, all in a temp dir. The
 * template's disk is blank, or with `bootText` a boot sector that prints it on the serial console and halts.
 */
export async function newSandbox(label = 'vms', options: { bootText?: string } = {}): Promise<Sandbox> {
  const dir = await tempDir(label);
  const vmsRoot = join(dir, 'vms');
  const store = openTemplateStore({ root: join(dir, 'output', 'templates'), vmsRoot });
  const template =
    options.bootText === undefined
      ? await commitBlankTemplate(store, 'node')
      : await commitPrintingTemplate(store, 'node', options.bootText);
  await execa('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'alice@laptop',
    '-f',
    join(dir, 'id_ed25519'),
  ]);
  const userKey = (await readFile(join(dir, 'id_ed25519.pub'), 'utf8')).trim();
  return { dir, store, vmsRoot, template, userKey };
}

/** createVm with the sandbox's defaults: TCG, 128 MiB, a free SSH port, no ULA. */
export async function createTestVm(sandbox: Sandbox, name: string, overrides: Partial<CreateVmOptions> = {}) {
  const port = await pickFreePort(0);
  return createVm({
    template: sandbox.template,
    name,
    sshPublicKey: sandbox.userKey,
    vmsRoot: sandbox.vmsRoot,
    ports: [{ name: 'ssh', guest: 22, host: port }],
    machine: { accel: 'tcg', memoryMiB: 128, cpus: 1 },
    // The blank template says fd10:1234::1 (the node recipe's); most tests make several clones of it.
    ula: null,
    ...overrides,
  });
}
