import { stat } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { SIGNATURE_NAMESPACE } from './release-layout.ts';
import { fingerprintOf, formatPublicKey, parsePublicKeyLine } from './ssh-public-key.ts';

export interface SigningKey {
  readonly path: string;
  /** `ssh-ed25519 AAAA… comment`, the line a downstream user puts in allowed_signers. */
  readonly publicKey: string;
  readonly fingerprint: string;
}

/**
 * Checks the release key before any slow work: it exists, ssh-keygen can read it without a passphrase, and it is
 * ed25519. TNB601 says which of these failed and what to do.
 */
export async function readSigningKey(runner: CommandRunner, path: string): Promise<SigningKey> {
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) {
    throw new TnbuildError('TNB601', `no signing key at ${path}`, {
      hint: `Create one with \`ssh-keygen -t ed25519 -f ${path}\`, or pass --key with the path of yours.`,
    });
  }
  const result = await runner.run('ssh-keygen', ['-y', '-P', '', '-f', path], { input: '', reject: false });
  if (result.exitCode !== 0) throw unreadableKey(path, result.stderr);
  const key = parsePublicKeyLine(result.stdout.trim());
  if (!key) throw unreadableKey(path, result.stdout);
  if (key.type !== 'ssh-ed25519') {
    throw new TnbuildError(
      'TNB601',
      `${path} is a ${key.type} key; releases are signed with ed25519 keys only`,
    );
  }
  return { path, publicKey: formatPublicKey(key), fingerprint: fingerprintOf(key) };
}

function unreadableKey(path: string, output: string): TnbuildError {
  const details = output.trim().split('\n').slice(-3);
  if (/bad permissions/.test(output)) {
    return new TnbuildError('TNB601', `ssh-keygen refuses ${path}: other users can read it`, {
      details,
      hint: `Run \`chmod 600 ${path}\`.`,
    });
  }
  if (/passphrase/.test(output)) {
    return new TnbuildError(
      'TNB601',
      `${path} is protected by a passphrase, and a release is signed without a prompt`,
      {
        details,
        hint: 'Sign with a dedicated release key that has no passphrase, kept only on the machine that publishes.',
      },
    );
  }
  return new TnbuildError('TNB601', `${path} is not an SSH private key ssh-keygen can read`, { details });
}

/** `ssh-keygen -Y sign -n tnbuild-release`: writes `<file>.sig` beside `file`. */
export async function signFile(runner: CommandRunner, key: SigningKey, file: string): Promise<string> {
  await runner.run('ssh-keygen', ['-Y', 'sign', '-f', key.path, '-n', SIGNATURE_NAMESPACE, file], {
    input: '',
  });
  return `${file}.sig`;
}
