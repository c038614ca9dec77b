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
  // ssh2 1.17 strips leading zero bytes from the public key it generates, so about 1 pair in 256 is one its own
  // parser rejects ("Malformed OpenSSH private key", mscdex/ssh2#1513): a build would fail at its first SSH
  // connection, after the install. Such a pair is thrown away and another made.
  for (let attempt = 0; attempt < 100; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) {
      return { privateKey: pair.private, publicKey: pair.public.trim() };
    }
  }
  throw new Error('ssh2 made 100 ed25519 key pairs in a row that it cannot parse');
}
