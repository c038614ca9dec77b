import { readFile } from 'node:fs/promises';
import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { assertGuestPath } from '../guest-path.ts';
import type { ModuleContext, ModuleResult } from '../module-context.ts';
import { attributeChanges, makeDirectory, probeFile, removePath, setAttributes } from '../remote-files.ts';
import { ensureFile } from './ensure-file.ts';

type FileStep = Extract<ResolvedStep, { type: 'file' }>;

/** A file (content from `content` or `source`), a directory, or nothing at `path`. */
export async function runFileStep(ctx: ModuleContext, step: FileStep): Promise<ModuleResult> {
  const path = assertGuestPath(step.path);
  const attrs = { mode: step.mode, owner: step.owner, group: step.group };
  const verb = ctx.check ? 'would ' : '';
  if (step.state === 'file') {
    const content =
      step.content !== undefined
        ? Buffer.from(step.content)
        : step.source
          ? await readFile(step.source.path)
          : undefined;
    return ensureFile(ctx, path, content, attrs);
  }
  const state = await probeFile(ctx, path);
  if (step.state === 'absent') {
    if (state.kind === 'absent') return { status: 'ok', reason: 'already absent' };
    if (!ctx.check) await removePath(ctx, path);
    return {
      status: 'changed',
      reason: `${verb}remove the ${state.kind === 'directory' ? 'directory' : 'file'}`,
    };
  }
  if (state.kind === 'directory') {
    const changes = attributeChanges(state, attrs);
    if (changes.length === 0) return { status: 'ok', reason: 'up to date' };
    if (!ctx.check) await setAttributes(ctx, path, attrs);
    return { status: 'changed', reason: `${verb}set ${changes.join(', ')}` };
  }
  if (state.kind !== 'absent') throw new Error(`${path} exists and is not a directory`);
  if (!ctx.check) await makeDirectory(ctx, path, attrs);
  return {
    status: 'changed',
    reason: `${verb}create the directory (${attrs.mode} ${attrs.owner}:${attrs.group})`,
  };
}
