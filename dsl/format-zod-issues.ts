import type { z } from 'zod';
import { closestWord } from '../host/closest-word.ts';
import { formatPath, type RecipeIssue } from './recipe-issue.ts';

type ZodIssue = z.core.$ZodIssue;

/** Zod issues → recipe issues whose messages say what was expected and what was found. */
export function formatZodIssues(
  file: string,
  issues: readonly ZodIssue[],
  knownKeys: (path: readonly PropertyKey[]) => readonly string[],
): RecipeIssue[] {
  // A misspelt field is one mistake: `runn` is reported as "did you mean run?", not also as `run` missing.
  const misspelt = new Set<string>();
  const reported = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const near = closestWord(key, knownKeys(issue.path));
        if (near) misspelt.add(formatPath([...issue.path, near]));
        return {
          file,
          field: formatPath([...issue.path, key]),
          message: unknownKeyMessage(key, near, knownKeys(issue.path)),
        };
      });
    }
    return [{ file, field: formatPath(issue.path), message: describe(issue), missing: isMissing(issue) }];
  });
  return reported
    .filter((issue) => !('missing' in issue && issue.missing && misspelt.has(issue.field)))
    .map(({ file, field, message }) => ({ file, field, message }));
}

function isMissing(issue: ZodIssue): boolean {
  return issue.code === 'invalid_type' && (!('input' in issue) || issue.input === undefined);
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

function unknownKeyMessage(key: string, near: string | undefined, known: readonly string[]): string {
  if (near) return `unknown field "${key}" — did you mean "${near}"?`;
  return known.length
    ? `unknown field "${key}"; expected one of: ${known.join(', ')}`
    : `unknown field "${key}"`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
