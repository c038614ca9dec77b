import { chmod, readFile, writeFile } from 'node:fs/promises';
import { escapeRegExp } from './escape-regexp.ts';

// The secret values this process knows (a recipe's `secrets`), and the one function every sink passes text through
// before it reaches a console, a transcript, a log or an error message. Redaction is by value, not by field name,
// so a secret is caught wherever a recipe put it: a template, a shell command, a step name. Process-wide on
// purpose: an error can surface far from the recipe that declared the secret, and every sink must honour it.

const labels = new Map<string, string>();
let pattern: RegExp | undefined;

/** The shortest secret tnbuild accepts: shorter values cannot be told apart from ordinary output. */
export const SECRET_MIN_LENGTH = 8;

/** Adds a recipe's secrets (name → value); their values are redacted from then on. */
export function registerSecrets(secrets: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(secrets)) {
    for (const variant of variantsOf(value))
      if (!labels.has(variant)) labels.set(variant, `[secret ${name}]`);
  }
  pattern = undefined;
}

export function hasSecrets(): boolean {
  return labels.size > 0;
}

/** `text` with every known secret value (as is, JSON-escaped or shell-quoted, or one line of it) replaced. */
export function redactSecrets(text: string): string {
  if (labels.size === 0 || text.length === 0) return text;
  pattern ??= new RegExp(
    [...labels.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return text.replace(pattern, (match) => labels.get(match) ?? '[secret]');
}

/** Forgets every secret (tests). */
export function clearSecrets(): void {
  labels.clear();
  pattern = undefined;
}

/** The forms a value takes in tnbuild's own output: raw, inside JSON, inside '…' shell quotes, line by line. */
function variantsOf(value: string): string[] {
  const variants = new Set([value, JSON.stringify(value).slice(1, -1), value.replaceAll("'", `'\\''`)]);
  // A multi-line secret (a key) may be printed a line at a time.
  for (const line of value.split(/\r?\n/))
    if (line.trim().length >= SECRET_MIN_LENGTH) variants.add(line.trim());
  return [...variants].filter((variant) => variant.length >= SECRET_MIN_LENGTH);
}

/** Rewrites a log file (a serial console log QEMU wrote) with every known secret redacted; 0600 either way. */
export async function redactFileInPlace(path: string): Promise<void> {
  await chmod(path, 0o600).catch(() => {});
  if (!hasSecrets()) return;
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const redacted = redactSecrets(text);
  if (redacted !== text) await writeFile(path, redacted, { mode: 0o600 });
}

/** A copy of a plain event or record with redactSecrets applied to every string in it. */
export function redactDeep<T>(value: T): T {
  if (!hasSecrets()) return value;
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T;
  }
  return value;
}
