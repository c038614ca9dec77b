/** `text` as a RegExp source that matches exactly it: a `(` or `.` in a value is not a pattern. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
