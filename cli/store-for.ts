import { join, resolve } from 'node:path';
import { openTemplateStore, type TemplateStore } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';

/** The template store of the project: `<--output>/templates`. Light, so listings need not load the recipe loader. */
export function storeFor(options: Pick<GlobalOptions, 'output'>): TemplateStore {
  return openTemplateStore({ root: join(resolve(options.output), 'templates') });
}
