import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only gives it a default export.
const { utils } = ssh2;

/** An ephemeral ed25519 key pair for one build, in OpenSSH format; it goes to the guest's authorized_keys. */
export interface BuildKey {
  readonly privateKey: string;
  /** One authorized_keys line: `ssh-ed25519 AAAA… comment`. */
  readonly publicKey: string;
}

export function generateBuildKey(comment = 'tnbuild-build-key'): BuildKey {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}
