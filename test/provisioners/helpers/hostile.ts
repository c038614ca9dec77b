/** Values that break naive quoting: quotes, command substitution, backticks, newlines, spaces, globs, expansions. */
export const HOSTILE_VALUES: readonly string[] = [
  `it's`,
  `say "hi"`,
  '$(touch /tmp/tnb-pwned)',
  '`touch /tmp/tnb-pwned`',
  '$(cd;touch tnb-pwned)',
  'line one\nline two',
  'two  spaces and\ttab',
  '*',
  '/etc/*',
  '$HOME ${PATH} $1 $$',
  "'; touch /tmp/tnb-pwned; '",
  '"; touch /tmp/tnb-pwned; "',
  '\\ back\\\\slash \\n',
  '-rf',
  '~root',
  'a=b',
  '!event #comment & | ; < > ( ) { }',
  'ünïcødé ✓',
  '',
];

/** A hostile name that is still one valid file name: every kind of trouble but `/` and NUL (it runs `touch ~/tnb-pwned`). */
export const HOSTILE_NAME = `we ird'"$(cd;touch tnb-pwned)\`cd;touch tnb-pwned\`*?[a] $HOME;&|<>\nname`;

/** Where a hostile value that got executed would leave its mark. */
export const PWNED_PATHS = ['/tmp/tnb-pwned', '/root/tnb-pwned'];
