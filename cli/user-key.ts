import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { execaCommandRunner } from '../host/execa-command-runner.ts';

/**
 * The key clones let in: ~/.ssh/id_ed25519 when the user has one, else a key tnbuild makes once in ~/.vms/ssh
 * (Lima does the same), so `tnbuild vm ssh` works on a machine with no key yet.
 */
export async function resolveUserKey(
  explicit?: string,
): Promise<{ publicKey: string; identityFile: string }> {
  const candidates = explicit
    ? [explicit.replace(/\.pub$/, '')]
    : [join(homedir(), '.ssh', 'id_ed25519'), join(homedir(), '.vms', 'ssh', 'id_ed25519')];
  for (const identityFile of candidates) {
    if (existsSync(`${identityFile}.pub`)) {
      return { publicKey: (await readFile(`${identityFile}.pub`, 'utf8')).trim(), identityFile };
    }
  }
  const identityFile = join(homedir(), '.vms', 'ssh', 'id_ed25519');
  if (!existsSync(identityFile)) await makeKey(identityFile);
  return { publicKey: await publicKeyOf(identityFile), identityFile };
}

/**
 * A new key at `identityFile`, safe when several VMs are created at once (`install` makes its clones side by side,
 * two commands may run together): ssh-keygen writes into a folder of its own, and the private key is linked into
 * place, which fails for all but the first. ssh-keygen on the final path would ask "Overwrite (y/n)?" instead, and
 * wait for an answer forever.
 */
async function makeKey(identityFile: string): Promise<void> {
  const dir = dirname(identityFile);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(dir, '.keygen-'));
  try {
    const made = join(scratch, 'id_ed25519');
    await execaCommandRunner.run(
      'ssh-keygen',
      ['-q', '-t', 'ed25519', '-N', '', '-C', 'tnbuild-vms', '-f', made],
      { input: '' },
    );
    try {
      await link(made, identityFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return; // Another process made it first; its key is the one.
    }
    await rename(`${made}.pub`, `${identityFile}.pub`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The public half: the .pub beside the key, or derived from the key when the .pub is not there (yet). */
async function publicKeyOf(identityFile: string): Promise<string> {
  const pub = await readFile(`${identityFile}.pub`, 'utf8').catch(() => undefined);
  if (pub !== undefined) return pub.trim();
  const derived = await execaCommandRunner.run('ssh-keygen', ['-y', '-f', identityFile], { input: '' });
  const line = `${derived.stdout.trim()} tnbuild-vms`;
  // Written aside and renamed: a reader never sees half a line.
  const aside = `${identityFile}.pub.tmp-${process.pid}`;
  await writeFile(aside, `${line}\n`, { mode: 0o644 });
  await rename(aside, `${identityFile}.pub`);
  return line;
}
