import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprintSha256 } from '../builders/wait-for-ssh.ts';
import type { CommandRunner } from '../host/command-runner.ts';

/** An SSH host key pair made on the host, so its fingerprint is known before the guest ever boots. */
export interface HostKey {
  /** File name in /etc/ssh: `ssh_host_ed25519_key`. */
  readonly name: string;
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  readonly publicKey: string;
  readonly type: string;
  /** The base64 key blob alone. */
  readonly blob: string;
  /** `SHA256:…` as OpenSSH prints it. */
  readonly fingerprint: string;
}

/** Fingerprint of a public key line, as `ssh-keygen -lf` prints it. */
export function fingerprintOfPublicKey(line: string): string {
  const blob = line.trim().split(/\s+/)[1] ?? '';
  return fingerprintSha256(Buffer.from(blob, 'base64'));
}

/** `ssh-keygen -t ed25519` into `dir`; ed25519 only: every OpenSSH tnbuild meets prefers it. */
export async function generateHostKey(runner: CommandRunner, dir: string, comment: string): Promise<HostKey> {
  const name = 'ssh_host_ed25519_key';
  const path = join(dir, name);
  await runner.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  const publicKey = (await readFile(`${path}.pub`, 'utf8')).trim();
  const [type = '', blob = ''] = publicKey.split(/\s+/);
  return {
    name,
    privateKey: await readFile(path, 'utf8'),
    publicKey,
    type,
    blob,
    fingerprint: fingerprintOfPublicKey(publicKey),
  };
}
