import { parseDuration } from './size.ts';

// What a console installer's steps may say, checked by `validate` and used by the builder.
//
// Packer's boot_command notation for what a serial console receives: text is typed as it is, `<name>` is a special
// key sent as the bytes a VT100 terminal sends for it (what GRUB, isolinux, the Linux tty and most installers read
// on a serial line), and `<wait…>` pauses. A `<` that does not start a known name is refused, not typed: a typo in
// a key name would otherwise be typed into the installer as text.

/** The names a console installer's templates may use; anything else is an error before the build starts. */
export const CONSOLE_TEMPLATE_VARIABLES = [
  'http.host',
  'http.port',
  'http.url',
  'buildKey',
  'disk',
  'hostname',
  'arch',
  'user',
] as const;

/** A console pattern as the recipe wrote it: `"boot:"` for a string, `/login: $/m` for a RegExp. */
export function describePattern(pattern: RegExp | string): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

const ESC = '\x1b';

export const SPECIAL_KEYS: Readonly<Record<string, string>> = {
  enter: '\r',
  return: '\r',
  tab: '\t',
  esc: ESC,
  bs: '\x7f',
  del: `${ESC}[3~`,
  insert: `${ESC}[2~`,
  spacebar: ' ',
  up: `${ESC}[A`,
  down: `${ESC}[B`,
  right: `${ESC}[C`,
  left: `${ESC}[D`,
  home: `${ESC}[H`,
  end: `${ESC}[F`,
  pageUp: `${ESC}[5~`,
  pageDown: `${ESC}[6~`,
  f1: `${ESC}OP`,
  f2: `${ESC}OQ`,
  f3: `${ESC}OR`,
  f4: `${ESC}OS`,
  f5: `${ESC}[15~`,
  f6: `${ESC}[17~`,
  f7: `${ESC}[18~`,
  f8: `${ESC}[19~`,
  f9: `${ESC}[20~`,
  f10: `${ESC}[21~`,
  f11: `${ESC}[23~`,
  f12: `${ESC}[24~`,
  lt: '<',
  gt: '>',
};

/** What one `send` becomes: text to type (special keys already turned into bytes) and pauses between. */
export type KeyPart = { readonly text: string; readonly keys: boolean } | { readonly waitMs: number };

export class KeyNotationError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const TOKEN = /<([^<>\s]{1,24})>/y;

/**
 * `'e<down><down><ctrl-e> console=ttyS0<ctrl-x>'` → typed text and key bytes, in order. `<ctrl-a>`…`<ctrl-z>` are
 * control characters; `<wait>` is one second, `<wait5>` five, `<wait500ms>` any duration. `<lt>` types a `<`.
 * `keys` marks a part that holds special keys: an echo check waits only for plain text.
 */
export function parseKeys(source: string): KeyPart[] {
  const parts: KeyPart[] = [];
  let text = '';
  const flush = (): void => {
    if (text) parts.push({ text, keys: false });
    text = '';
  };
  for (let at = 0; at < source.length; ) {
    if (source[at] !== '<') {
      text += source[at];
      at += 1;
      continue;
    }
    TOKEN.lastIndex = at;
    const name = TOKEN.exec(source)?.[1];
    if (name === undefined)
      throw new KeyNotationError(`"<" at ${at} starts no key name; type a literal "<" as <lt>`, at);
    const bytes = keyBytes(name);
    const wait = bytes === undefined ? waitOf(name) : undefined;
    if (bytes === undefined && wait === undefined) {
      throw new KeyNotationError(
        `<${name}> is not a key; use one of ${describeKeys()}, <ctrl-a>…<ctrl-z>, <wait>, <wait5> or <wait500ms>`,
        at,
      );
    }
    flush();
    if (bytes !== undefined) {
      const last = parts.at(-1);
      // Keys in a row go out as one part, so a paced send paces them like characters.
      if (last && 'text' in last && last.keys)
        parts[parts.length - 1] = { text: last.text + bytes, keys: true };
      else parts.push({ text: bytes, keys: true });
    } else parts.push({ waitMs: wait! });
    at += name.length + 2;
  }
  flush();
  return parts;
}

function keyBytes(name: string): string | undefined {
  const control = /^ctrl-([a-z])$/i.exec(name);
  if (control) return String.fromCharCode(control[1]!.toLowerCase().charCodeAt(0) - 96);
  return Object.hasOwn(SPECIAL_KEYS, name) ? SPECIAL_KEYS[name] : undefined;
}

function waitOf(name: string): number | undefined {
  const match = /^wait(.*)$/.exec(name);
  if (!match) return undefined;
  const amount = match[1]!;
  if (amount === '') return 1000;
  return /^\d+$/.test(amount) ? Number(amount) * 1000 : parseDuration(amount);
}

function describeKeys(): string {
  return Object.keys(SPECIAL_KEYS)
    .map((name) => `<${name}>`)
    .join(' ');
}
