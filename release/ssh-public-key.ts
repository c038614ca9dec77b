import { createHash } from 'node:crypto';

export interface SshPublicKey {
  /** `ssh-ed25519` */
  readonly type: string;
  /** The base64 blob. */
  readonly blob: string;
  readonly comment: string;
}

const KEY_LINE = /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$/;

/** One `type base64 [comment]` line, or undefined when the line is not a public key. */
export function parsePublicKeyLine(line: string): SshPublicKey | undefined {
  const match = KEY_LINE.exec(line.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { type: match[1], blob: match[2], comment: match[3]?.trim() ?? '' };
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it. */
export function fingerprintOf(key: SshPublicKey): string {
  const digest = createHash('sha256').update(Buffer.from(key.blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export function formatPublicKey(key: SshPublicKey): string {
  return key.comment ? `${key.type} ${key.blob} ${key.comment}` : `${key.type} ${key.blob}`;
}
