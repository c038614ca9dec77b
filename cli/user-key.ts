import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
  await mkdir(join(homedir(), '.vms', 'ssh'), { recursive: true, mode: 0o700 });
  await execaCommandRunner.run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'tnbuild-vms',
    '-f',
    identityFile,
  ]);
  return { publicKey: (await readFile(`${identityFile}.pub`, 'utf8')).trim(), identityFile };
}
