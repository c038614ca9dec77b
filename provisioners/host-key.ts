import { createHash } from 'node:crypto';

/** OpenSSH's `SHA256:…` fingerprint of a host key blob (unpadded base64 of its SHA-256). */
export function fingerprintHostKey(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts `SHA256:abc…`, `abc…` or padded base64, so a fingerprint copied from `ssh-keygen -lf` or the builder matches. */
export function normalizeFingerprint(fingerprint: string): string {
  const bare = fingerprint
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(bare)) {
    throw new Error(
      `expected a host key fingerprint like "SHA256:" and 43 base64 characters, got ${JSON.stringify(fingerprint)}`,
    );
  }
  return `SHA256:${bare}`;
}
