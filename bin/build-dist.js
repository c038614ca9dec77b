#!/usr/bin/env node
// Compiles the CLI to JavaScript under dist/ (run by `npm ci` through `prepare`, or `npm run build`), so a command
// starts without compiling TypeScript first. Type errors are `npm run lint`'s job; this only emits.
// dist/build.json lists the sources it was built from: bin/tnbuild.js runs dist only while none is newer.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
const started = Date.now();
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const sources = listJs(dist).map((file) => relative(dist, file).replace(/\.js$/, '.ts'));
const newest = Math.max(...sources.map((source) => statSync(join(root, source)).mtimeMs));
if (newest > started) throw new Error('a source changed while dist/ was built; run `npm run build` again');
writeFileSync(join(dist, 'build.json'), `${JSON.stringify({ builtAt: started, sources }, null, 2)}\n`);
console.log(`dist/: ${sources.length} files compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function listJs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listJs(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}
