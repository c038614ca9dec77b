#!/usr/bin/env node
// tnbuild runs from its TypeScript sources: tsx compiles them on the fly (no build step after `npm ci`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
