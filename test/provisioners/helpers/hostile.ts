/** Values that break naive quoting: quotes, command substitution, backticks, newlines, spaces, globs, expansions. */
export const HOSTILE_VALUES: readonly string[] = [
  `it's`,
  `say "hi"`,
  '$(touch /tmp/tnb-pwned)',
  '`touch /tmp/tnb-pwned`',
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

/** A hostile name that is still a valid file name: every kind of trouble except `/` and NUL. */
export const HOSTILE_NAME = `we ird'"$(touch /tmp/tnb-pwned)\`id\`*?[a] $HOME;&|<>\nname`;
