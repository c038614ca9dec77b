import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { SIGNATURE_NAMESPACE } from './release-layout.ts';
import { parsePublicKeyLine, type SshPublicKey } from './ssh-public-key.ts';

/**
 * What `--trusted-keys` may be: a public key (`ssh-ed25519 AAAA… name`), a file of public keys (`.pub`), or an
 * OpenSSH allowed_signers file. Returns the path of an allowed_signers file for `ssh-keygen -Y verify`, writing one
 * into `scratchDir` for public keys (principal: the key's comment, else `trusted-key-<n>`; namespace restricted
 * to tnbuild-release).
 */
export async function resolveTrustedKeys(trustedKeys: string, scratchDir: string): Promise<string> {
  const literal = parsePublicKeyLine(trustedKeys);
  if (literal) return writeAllowedSigners([literal], scratchDir);
  let text: string;
  try {
    text = await readFile(trustedKeys, 'utf8');
  } catch (error) {
    throw new TnbuildError(
      'TNB603',
      `cannot read the trusted keys ${trustedKeys}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) throw new TnbuildError('TNB603', `${trustedKeys} holds no keys`);
  const keys = lines.map(parsePublicKeyLine);
  if (keys.every((key): key is SshPublicKey => key !== undefined))
    return writeAllowedSigners(keys, scratchDir);
  // Anything else is read as allowed_signers; ssh-keygen reports a line it cannot parse (TNB603 at verification).
  return trustedKeys;
}

async function writeAllowedSigners(keys: readonly SshPublicKey[], scratchDir: string): Promise<string> {
  const lines = keys.map((key, index) => {
    const principal = /^[A-Za-z0-9._@+-]+$/.test(key.comment) ? key.comment : `trusted-key-${index + 1}`;
    return `${principal} namespaces="${SIGNATURE_NAMESPACE}" ${key.type} ${key.blob}\n`;
  });
  const path = join(scratchDir, 'allowed_signers');
  await writeFile(path, lines.join(''), { mode: 0o600 });
  return path;
}
