#!/usr/bin/env node
// The compiled CLI under dist/ when it is current (built by `npm ci`); otherwise the TypeScript sources, compiled on
// the fly by tsx. Recipes always load through tsx.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledCli } from './compiled-cli.js';

const root = join(import.meta.dirname, '..');
let entry = compiledCli(root);
if (!entry) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'cli', 'main.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
