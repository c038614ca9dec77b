/**
 * JSON with object keys sorted at every level, so equal values always hash equally. A RegExp (a recipe's console
 * pattern) is written as `{ "regexp": "/source/flags" }`: JSON.stringify alone makes every one `{}`, and a plain
 * string must not hash like the pattern it spells.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof RegExp) return { regexp: String(value) };
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
}
