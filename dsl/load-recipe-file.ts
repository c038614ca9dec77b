import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type NamespacedUnregister, register } from 'tsx/esm/api';
import { TnbuildError } from '../errors/index.ts';
import { escapeRegExp } from '../host/escape-regexp.ts';

// The one loader. Strategy: tsx compiles the TypeScript recipe with esbuild at run time (Node 20 cannot strip
// types). Each loader is its own tsx namespace, so an edited recipe is never served from a stale module cache.

let loaders = 0;

export function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}

/**
 * A loader for one pass over a recipes folder: its recipes share one module namespace (a helper they both import
 * is compiled once), apart from every other loader's.
 */
export function recipeFileLoader(): (file: string) => Promise<unknown> {
  let api: NamespacedUnregister | undefined;
  return (file) => {
    api ??= register({ namespace: `tnbuild-recipes-${process.pid}-${++loaders}` });
    return importRecipe(api, file);
  };
}

/** Imports one recipe file and returns its default export, unvalidated. */
async function importRecipe(api: NamespacedUnregister, file: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = await api.import(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    throw describeLoadError(file, error);
  }
  // Outside a `"type": "module"` package the file loads as CommonJS and its exports arrive wrapped once more.
  const exported = module.default as { __esModule?: boolean; default?: unknown } | undefined;
  if (exported?.__esModule) module = exported;
  if (module.default === undefined) {
    throw new TnbuildError('TNB102', 'the recipe has no default export', { file: displayPath(file) });
  }
  return module.default;
}

function describeLoadError(file: string, error: unknown): TnbuildError {
  const message = error instanceof Error ? error.message : String(error);
  const line = findLine(file, error);
  // esbuild: "Transform failed with 1 error:\n/abs/recipes/x.ts:4:0: ERROR: Unexpected "}""
  const syntax = /:\d+:\d+: ERROR: (.*)/.exec(message);
  const what = syntax ? `syntax error: ${syntax[1]}` : `importing it threw: ${message.split('\n')[0]}`;
  return new TnbuildError('TNB101', what, {
    file: displayPath(file),
    line,
    cause: error,
    hint: syntax
      ? 'Fix the syntax error at the line shown.'
      : 'Fix the code at the line shown; a recipe should only declare data.',
  });
}

/** The first line number in the error (message or stack) that points into the recipe file itself. */
function findLine(file: string, error: unknown): number | undefined {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  const escaped = escapeRegExp(file);
  const match = new RegExp(`${escaped}:(\\d+)`).exec(text);
  return match ? Number(match[1]) : undefined;
}
