// The one way a value reaches a remote shell. Every module builds its commands from these three functions.

const BARE = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Quotes one value as a single POSIX shell word. Safe characters stay bare (readable commands and snapshots); anything
 * else is single-quoted, with `'` written as `'\''`. `=` is never bare, so a value is never read as an assignment.
 */
export function quoteShell(value: string): string {
  if (value.includes('\0'))
    throw new Error(`a shell word cannot contain a NUL byte: ${JSON.stringify(value)}`);
  if (BARE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each value and joins them with spaces: a command line whose words are exactly `words`. */
export function quoteWords(words: readonly string[]): string {
  return words.map(quoteShell).join(' ');
}

/**
 * Quotes a value that a shell will parse twice: assigned in a script, then expanded unquoted into an `eval` (OpenRC's
 * `command`, `command_args`, `command_user` and `directory` reach `eval supervise-daemon …` this way).
 */
export function quoteForEval(value: string): string {
  return quoteShell(quoteShell(value));
}

/** `quoteWords` for a list that a shell parses twice (OpenRC's `command_args`). */
export function quoteWordsForEval(words: readonly string[]): string {
  return quoteShell(quoteWords(words));
}
