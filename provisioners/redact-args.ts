import { createHash } from 'node:crypto';
import type { ResolvedStep } from '../dsl/resolved-recipe.ts';
import { redactSecrets } from '../host/secret-values.ts';

const SECRET_NAME = /password|passphrase|secret|token|private|key/i;
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * A step's arguments for the transcript: file contents become their size and sha256 (a config file may hold a
 * secret), anything named like a password, secret, token or key is replaced, and so is any text that holds a
 * private key.
 */
export function redactStepArgs(step: ResolvedStep): Record<string, unknown> {
  const { name: _name, field: _field, type: _type, ...args } = step;
  return redactObject(args) as Record<string, unknown>;
}

const SECRET_FILE = /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$|\.(pem|key|p12|pfx)$|shadow|htpasswd/i;

/** Whether a path looks like it holds a secret (by its file name), so its diff stays out of logs. */
export function isSecretPath(path: string): boolean {
  const name = path.split('/').pop() ?? '';
  return SECRET_NAME.test(name) || SECRET_FILE.test(name);
}

function redactObject(value: unknown, key = ''): unknown {
  if (key === 'content' && typeof value === 'string') {
    return { bytes: Buffer.byteLength(value), sha256: createHash('sha256').update(value).digest('hex') };
  }
  if (key !== '' && SECRET_NAME.test(key) && value !== undefined) return '[redacted]';
  if (typeof value === 'string') return PRIVATE_KEY.test(value) ? '[redacted: private key]' : value;
  if (Array.isArray(value)) return value.map((item) => redactObject(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactObject(v, k)]));
  }
  return value;
}

/** Removes private keys and known secret values from free text (a diff, command output in an error). */
export function redactText(text: string): string {
  return redactSecrets(text).replace(
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    '[redacted: private key]',
  );
}
