import { isIP } from 'node:net';
import { z } from 'zod';

// The field patterns every boundary shares: a recipe, a stored template's manifest, a pulled release's manifest and
// a clone's vm.json all check names, users, ports and paths with these, so a value one of them refuses can never
// arrive through another. Each pattern is what the places that use the value can take as it is: a name becomes a
// folder name and a script line, a user an ssh argument and a shell word, a port an argv number.

/** Recipe, VM and port names: folder names, file names and words in generated scripts. */
export const NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const nameSchema = z
  .string()
  .regex(NAME, 'expected lower-case letters, digits and dashes, starting with a letter (at most 63)');

/** A user or group, as useradd and busybox adduser accept it; never starts with `-`. */
export const UNIX_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;
export const unixNameSchema = z.string().regex(UNIX_NAME, 'expected a user or group name like "warden"');

export const portNumberSchema = z.number().int().min(1).max(65535);

export const portSchema = z.strictObject({
  name: nameSchema,
  /** Port inside the guest. */
  guest: portNumberSchema,
  /** Port on the host, always bound to 127.0.0.1. */
  host: portNumberSchema,
});

/** A network interface (`eth1`): a word in ifupdown stanzas and an awk variable. */
export const interfaceSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,14}$/, 'expected an interface name such as "eth1"');

export const ipv6Schema = z
  .string()
  .refine((text) => isIP(text) === 6, 'expected an IPv6 address such as "fd10:1234::1"');

export const osReleaseSchema = z.string().regex(/^\d+(\.\d+)*$/, 'expected a release number such as "3.22"');

/** A path in the guest: absolute, one line, no NUL. */
export const guestPathSchema = z
  .string()
  .startsWith('/', 'expected an absolute path in the guest, starting with "/"')
  .regex(/^[^\0\n\r]*$/, 'expected a path without newlines or NUL characters');

/** A plain file name in one flat folder: no `/`, no `..`, no leading `-` or `.`. */
export const fileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/, 'expected a plain file name')
  .refine((name) => !name.includes('..'), 'expected a plain file name without ".."');

/** One line of text for people (a version, a package line): no control characters. */
export const lineSchema = z
  .string()
  .max(4096)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\x00-\x1f\x7f]*$/, 'expected one line of text without control characters');

/** A package name as apk and apt take it: never an option (`-`), never shell syntax. */
export const packageNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][\w.+-]{0,127}$/, 'expected a package name (letters, digits and . _ + -)');

/** Text that becomes one argument or one value in a generated file: any characters but line breaks and NUL. */
export const argumentSchema = z
  .string()
  .regex(/^[^\0\n\r]*$/, 'expected text without line breaks or NUL characters');

/** A script or a command line: several lines are fine, NUL is not. */
export const scriptSchema = z.string().regex(/^[^\0]*$/, 'expected text without NUL characters');

export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');
