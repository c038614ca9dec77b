import type { z } from 'zod';
import { formatPath, type RecipeIssue } from './recipe-issue.ts';

type ZodIssue = z.core.$ZodIssue;

/** Zod issues → recipe issues whose messages say what was expected and what was found. */
export function formatZodIssues(
  file: string,
  issues: readonly ZodIssue[],
  knownKeys: (path: readonly PropertyKey[]) => readonly string[],
): RecipeIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        file,
        field: formatPath([...issue.path, key]),
        message: unknownKeyMessage(key, knownKeys(issue.path)),
      }));
    }
    return [{ file, field: formatPath(issue.path), message: describe(issue) }];
  });
}

function describe(issue: ZodIssue): string {
  // A secret's value is never echoed back, not even a wrong one: it was not registered for redaction yet.
  if (issue.path[0] === 'secrets') return issue.message;
  const got = 'input' in issue && issue.input !== undefined ? `, got ${show(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options ?? [];
        const input = (issue as { input?: unknown }).input;
        const value =
          input && typeof input === 'object'
            ? (input as Record<string, unknown>)[issue.discriminator]
            : input;
        return `expected \`${issue.discriminator}\` to be ${options.join(' | ')}, got ${show(value)}`;
      }
      return `${issue.message}${got}`;
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return `is required (expected ${issue.expected})`;
      return `expected ${issue.expected}${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => show(value)).join(' | ')}${got}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}${got}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}${issue.origin === 'array' ? ' item' : ''}${got}`;
    default:
      return `${issue.message}${got}`;
  }
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = known.find((candidate) => editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2);
  if (near) return `unknown field "${key}" — did you mean "${near}"?`;
  return known.length
    ? `unknown field "${key}"; expected one of: ${known.join(', ')}`
    : `unknown field "${key}"`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
