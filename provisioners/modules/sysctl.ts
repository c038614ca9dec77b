import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { quoteShell, quoteWords } from '../shell-quote.ts';
import { ensureFile } from './ensure-file.ts';

type SysctlStep = Extract<ResolvedStep, { type: 'sysctl' }>;

/** Kernel settings in a file under /etc/sysctl.d (applied at boot by the sysctl service), applied now with `sysctl -p`. */
export async function runSysctlStep(ctx: ModuleContext, step: SysctlStep): Promise<ModuleResult> {
  if (!/^[\w.-]+\.conf$/.test(step.file))
    throw new Error(`not a sysctl.d file name: ${JSON.stringify(step.file)}`);
  const entries = Object.entries(step.settings);
  for (const [key, value] of entries) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(key))
      throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
    if (/[\n\r\0]/.test(value)) throw new Error(`sysctl ${key}: a value cannot contain a line break`);
  }
  const path = `${ctx.family.paths.sysctlDir}/${step.file}`;
  const content = [
    '# Managed by tnbuild: changes here are overwritten by the next provisioning run.',
    ...entries.map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  const file = await ensureFile(ctx, path, Buffer.from(content), {
    mode: '0644',
    owner: 'root',
    group: 'root',
  });
  const live = await execAdmin(
    ctx,
    `for k in ${quoteWords(entries.map(([key]) => key))}; do printf '%s\\t' "$k"; sysctl -n "$k" 2>/dev/null || echo '?'; done`,
  );
  const current = new Map(
    live.stdout
      .split('\n')
      .filter((line) => line.includes('\t'))
      .map((line) => [line.slice(0, line.indexOf('\t')), normalize(line.slice(line.indexOf('\t') + 1))]),
  );
  const stale = entries.filter(([key, value]) => current.get(key) !== normalize(value)).map(([key]) => key);
  if (file.status === 'ok' && stale.length === 0)
    return { status: 'ok', reason: `${entries.length} setting(s) in effect` };
  const verb = ctx.check ? 'would ' : '';
  if (!ctx.check && (stale.length > 0 || file.status === 'changed')) {
    const applied = await execAdmin(ctx, `sysctl -p ${quoteShell(path)}`);
    if (applied.exitCode !== 0) throw new RemoteCommandError(`applying ${path}`, applied);
  }
  const parts = [
    ...(file.status === 'changed' ? [`${path}: ${file.reason}`] : []),
    ...(stale.length > 0 ? [`${verb}apply ${stale.join(', ')}`] : []),
  ];
  return { status: 'changed', reason: parts.join('; '), ...(file.diff ? { diff: file.diff } : {}) };
}

function normalize(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}
