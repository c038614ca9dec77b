import type { LockHolder } from '../artifacts/cache-lock.ts';
import { type CommitTemplateInput, commitTemplate, removeAbandonedTmpDirs } from './commit-template.ts';
import { findTemplate } from './find-template.ts';
import { withTemplateLock } from './template-lock.ts';
import type { Template, TemplateStore } from './template-store.ts';

export interface EnsureTemplateOptions {
  /** Build even when a template for the key is stored, and replace it (`--force`). */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onWait?: (holder: LockHolder | undefined) => void;
}

export interface EnsureTemplateResult {
  readonly template: Template;
  /** `stored`: it was there already; `waited`: another build made it while this one waited; `built`: made now. */
  readonly outcome: 'stored' | 'waited' | 'built';
}

/**
 * The cache rule in one place: a stored template for `key` is reused without starting anything; otherwise the
 * key's lock is taken, the store looked at again (a concurrent build of the same key may just have finished: reuse
 * it), and only then `build` runs and its result is committed. An abort or failure in `build` leaves no template
 * and no lock.
 */
export async function ensureTemplate(
  store: TemplateStore,
  key: string,
  build: () => Promise<CommitTemplateInput>,
  options: EnsureTemplateOptions = {},
): Promise<EnsureTemplateResult> {
  if (!options.force) {
    const stored = await findTemplate(store, key);
    if (stored) return { template: stored, outcome: 'stored' };
  }
  let waited = false;
  return withTemplateLock(
    store,
    key,
    async () => {
      if (!options.force) {
        const stored = await findTemplate(store, key);
        if (stored) return { template: stored, outcome: waited ? 'waited' : 'stored' };
      }
      await removeAbandonedTmpDirs(store);
      const input = await build();
      const template = await commitTemplate(store, input, {
        replace: options.force ?? false,
        ...(options.signal && { signal: options.signal }),
      });
      return { template, outcome: 'built' };
    },
    {
      ...(options.signal && { signal: options.signal }),
      onWait: (holder) => {
        waited = true;
        options.onWait?.(holder);
      },
    },
  );
}
