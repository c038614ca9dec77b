import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath } from './load-recipe-file.ts';
import type { RecipeIssue } from './recipe-issue.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Type-checks recipe files with the TypeScript compiler (loaded only here: it is large), so a type error is
 * reported with file:line before anything runs. Runtime validation (zod) still checks every value.
 */
export async function typecheckRecipes(files: readonly string[]): Promise<RecipeIssue[]> {
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
    typeRoots: [join(ROOT, 'node_modules', '@types')],
  });
  const wanted = new Set(files);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && wanted.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const file = diagnostic.file!;
      const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0]!;
      return { file: `${displayPath(file.fileName)}:${line + 1}`, field: `TS${diagnostic.code}`, message };
    });
}
