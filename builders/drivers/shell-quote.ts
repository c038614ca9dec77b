/** One shell word, single-quoted: safe for any value in a generated script. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
