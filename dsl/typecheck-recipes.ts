import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../host/package-root.ts';
import { displayPath } from './load-recipe-file.ts';
import type { RecipeIssue } from './recipe-issue.ts';

/**
 * "Argument of type … is not assignable to parameter of type …" on the `defineRecipe(` line: the schema reports the
 * same mistake by field, more precisely. (Diagnostics on the property itself are kept: they carry its line.)
 */
export const WHOLE_RECIPE_CODES = new Set(['TS2345', 'TS2769']);

/**
 * Type-checks recipe files with the TypeScript compiler (loaded only here: it is large), so a type error is
 * reported with file:line before anything runs. Runtime validation (zod) still checks every value. The result is
 * cached by content (the recipes' folder, tnbuild's DSL types, the compiler's version): an unchanged project is
 * not checked twice.
 */
export async function typecheckRecipes(
  files: readonly string[],
  cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tnbuild', 'typecheck'),
): Promise<RecipeIssue[]> {
  const key = cacheKey(files);
  const cached = join(cacheDir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as RecipeIssue[];
  } catch {
    // Not checked yet (or the entry is damaged): check now.
  }
  const issues = await runTypeScript(files);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const scratch = `${cached}.${process.pid}.tmp`;
    writeFileSync(scratch, JSON.stringify(issues));
    renameSync(scratch, cached);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return issues;
}

async function runTypeScript(files: readonly string[]): Promise<RecipeIssue[]> {
  const { default: ts } = await import('typescript');
  const program = ts.createProgram([...files], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    types: ['node'],
    typeRoots: [join(PACKAGE_ROOT, 'node_modules', '@types')],
  });
  const wanted = new Set(files);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && wanted.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const file = diagnostic.file!;
      const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      return {
        file: `${displayPath(file.fileName)}:${line + 1}:${character + 1}`,
        field: `TS${diagnostic.code}`,
        message: mostSpecific(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
      };
    });
}

/** The last line of TypeScript's message chain says what is wrong ("Property 'source' is missing"), without the type dump. */
function mostSpecific(text: string): string {
  const line = text.split('\n').at(-1)!.trim();
  const short = line.replace(/ in type '[^']*'/g, '').replace(/ type '[^']{60,}'/g, ' type …');
  return short.length > 240 ? `${short.slice(0, 237)}...` : short;
}

/** What the verdict depends on: every .ts file beside the recipes, tnbuild's DSL, TypeScript's version. */
function cacheKey(files: readonly string[]): string {
  const hash = createHash('sha256');
  const { version } = JSON.parse(
    readFileSync(join(PACKAGE_ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  );
  hash.update(`typescript ${version}\0`);
  for (const file of [...files].sort()) hash.update(`recipe ${file}\0`);
  const sources = new Set<string>();
  for (const dir of new Set(files.map((file) => dirname(file)))) collectTs(dir, sources);
  collectTs(join(PACKAGE_ROOT, 'dsl'), sources);
  for (const source of [...sources].sort())
    hash.update(`${source}\0`).update(readFileSync(source)).update('\0');
  return hash.digest('hex');
}

function collectTs(dir: string, into: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collectTs(path, into);
    else if (/\.(ts|mts|cts|json)$/.test(entry.name)) into.add(path);
  }
}
