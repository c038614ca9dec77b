import { createHash } from 'node:crypto';
import type { ModuleContext, ModuleResult } from '../module-context.ts';
import {
  attributeChanges,
  type FileAttributes,
  type FileState,
  formatMode,
  parseMode,
  probeFile,
  putFile,
  readText,
  setAttributes,
} from '../remote-files.ts';
import { unifiedDiff } from '../unified-diff.ts';

/**
 * Makes `path` a regular file with `content` (when given) and `attrs`: probes first, writes only when the content
 * differs, fixes only the attributes that differ. Shared by file, template, service definitions and authorized_keys.
 */
export async function ensureFile(
  ctx: ModuleContext,
  path: string,
  content: Buffer | undefined,
  attrs: FileAttributes,
): Promise<ModuleResult> {
  const state = await probeFile(ctx, path);
  const wantedHash = content === undefined ? undefined : createHash('sha256').update(content).digest('hex');
  const verb = ctx.check ? 'would ' : '';
  if (state.kind === 'file' && (wantedHash === undefined || state.sha256 === wantedHash)) {
    const changes = attributeChanges(state, attrs);
    if (changes.length === 0) return { status: 'ok', reason: 'up to date' };
    if (!ctx.check) await setAttributes(ctx, path, attrs);
    return { status: 'changed', reason: `${verb}set ${changes.join(', ')}` };
  }
  if (state.kind === 'directory' || state.kind === 'other') {
    throw new Error(
      `${path} is a ${state.kind === 'directory' ? 'directory' : 'special file'}, not a regular file`,
    );
  }
  const diff = ctx.diff ? await diffFor(ctx, path, state, content) : undefined;
  if (!ctx.check) await putFile(ctx, path, content ?? Buffer.alloc(0), attrs);
  const reason =
    state.kind === 'file'
      ? `${verb}update content${attributeSuffix(attributeChanges(state, attrs))}`
      : `${verb}create (${content?.length ?? 0} bytes, ${formatMode(parseMode(attrs.mode))} ${attrs.owner}:${attrs.group})`;
  return { status: 'changed', reason, ...(diff ? { diff } : {}) };
}

function attributeSuffix(changes: string[]): string {
  return changes.length > 0 ? `, ${changes.join(', ')}` : '';
}

async function diffFor(
  ctx: ModuleContext,
  path: string,
  state: FileState,
  content: Buffer | undefined,
): Promise<string | undefined> {
  const before = state.kind === 'file' ? await readText(ctx, path) : '';
  const diff = unifiedDiff(before, content?.toString('utf8') ?? '', {
    from: state.kind === 'file' ? `${path} (guest)` : '/dev/null',
    to: `${path} (recipe)`,
  });
  return diff || undefined;
}
