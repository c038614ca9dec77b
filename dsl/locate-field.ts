import { readFileSync } from 'node:fs';
import type * as TS from 'typescript';
import { displayPath } from './load-recipe-file.ts';
import type { RecipeIssue } from './recipe-issue.ts';

type Ts = typeof TS.default;

/** 1-based, as editors and `tsc` print them. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Issues about recipe files, each with the line and column of its field (`recipes/node.ts:14:5`), found by
 * parsing the recipe: where the field is written, or for one that is missing, the object it belongs in. The
 * TypeScript parser is loaded only here, when there is something to report.
 */
export async function locateIssues(
  issues: readonly RecipeIssue[],
  recipeFiles: Iterable<string>,
): Promise<RecipeIssue[]> {
  const byShownPath = new Map([...recipeFiles].map((file) => [displayPath(file), file]));
  if (!issues.some((issue) => byShownPath.has(issue.file))) return [...issues];
  const { default: ts } = await import('typescript');
  const parsed = new Map<string, TS.SourceFile | undefined>();
  const sourceOf = (file: string) => {
    if (!parsed.has(file)) parsed.set(file, parse(ts, file));
    return parsed.get(file);
  };
  return issues.map((issue) => {
    const file = byShownPath.get(issue.file);
    const source = file === undefined ? undefined : sourceOf(file);
    const position = source && locateField(ts, source, issue.field);
    return position ? { ...issue, file: `${issue.file}:${position.line}:${position.column}` } : issue;
  });
}

function parse(ts: Ts, file: string): TS.SourceFile | undefined {
  try {
    return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  } catch {
    return undefined;
  }
}

/**
 * Where `field` (`steps[2].src`, as issues name fields) is written in the recipe's default export. Follows object
 * and array literals, `defineRecipe(…)` and helper calls given an object, `as`/`satisfies`, and constants declared
 * in the same file; stops at the deepest node it can follow. Undefined when the default export is not found.
 */
export function locateField(ts: Ts, source: TS.SourceFile, field: string): SourcePosition | undefined {
  const exported = source.statements.find(ts.isExportAssignment);
  if (!exported) return undefined;
  let node = follow(ts, source, exported.expression);
  let at: TS.Node = node;
  for (const part of fieldParts(field)) {
    const child = typeof part === 'number' ? elementAt(ts, node, part) : propertyNamed(ts, node, part);
    if (!child) break;
    at = child.at;
    if (!child.value) break;
    node = follow(ts, source, child.value);
  }
  const { line, character } = source.getLineAndCharacterOfPosition(at.getStart(source));
  return { line: line + 1, column: character + 1 };
}

/** `steps[2].src` → ['steps', 2, 'src']; `(recipe)` → []. */
function fieldParts(field: string): (string | number)[] {
  if (field.startsWith('(')) return [];
  return [...field.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((match) =>
    match[1] === undefined ? match[2]! : Number(match[1]),
  );
}

/** Through parentheses, `as`, `satisfies`, a call given an object (`defineRecipe({…})`), and local constants. */
function follow(ts: Ts, source: TS.SourceFile, start: TS.Expression): TS.Expression {
  let node = start;
  for (let depth = 0; depth < 32; depth++) {
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
      node = node.expression;
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      node = node.arguments[0]!;
    } else if (ts.isIdentifier(node)) {
      const value = constantValue(ts, source, node.text);
      if (!value) return node;
      node = value;
    } else {
      return node;
    }
  }
  return node;
}

function constantValue(ts: Ts, source: TS.SourceFile, name: string): TS.Expression | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration.initializer;
    }
  }
  return undefined;
}

function propertyNamed(
  ts: Ts,
  node: TS.Expression,
  key: string,
): { at: TS.Node; value?: TS.Expression } | undefined {
  if (!ts.isObjectLiteralExpression(node)) return undefined;
  // The last one written wins in JavaScript, so it is the one that was read.
  for (const property of [...node.properties].reverse()) {
    const name = property.name;
    if (!name || !(ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))) continue;
    if (name.text !== key) continue;
    if (ts.isPropertyAssignment(property)) return { at: property, value: property.initializer };
    if (ts.isShorthandPropertyAssignment(property)) return { at: property, value: property.name };
    return { at: property };
  }
  return undefined;
}

function elementAt(
  ts: Ts,
  node: TS.Expression,
  index: number,
): { at: TS.Node; value: TS.Expression } | undefined {
  if (!ts.isArrayLiteralExpression(node)) return undefined;
  const before = node.elements.slice(0, index + 1);
  // After a spread, positions in the source no longer match indexes in the value.
  if (before.some((element) => ts.isSpreadElement(element))) return undefined;
  const element = node.elements[index];
  return element ? { at: element, value: element } : undefined;
}
