import { generateBuildKey } from '../../builders/build-key.ts';

/** An ed25519 pair shaped like ssh2's generateKeyPairSync result, from the generator that skips ssh2's bad pairs. */
export function sshKeyPair(comment?: string): { private: string; public: string } {
  const key = generateBuildKey(comment);
  return { private: key.privateKey, public: key.publicKey };
}
