import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError, tailOf } from '../exec-error.ts';
import { assertGuestPath } from '../guest-path.ts';
import type { ModuleContext, ModuleResult } from '../module-context.ts';
import { quoteShell } from '../shell-quote.ts';

type ShellStep = Extract<ResolvedStep, { type: 'shell' }>;

/** A command users write; it runs from the user's home. The guards make it idempotent. */
export async function runShellStep(ctx: ModuleContext, step: ShellStep): Promise<ModuleResult> {
  const options = { user: step.user, timeoutMs: step.timeoutMs };
  if (step.creates !== undefined) {
    const creates = assertGuestPath(step.creates, 'creates');
    const probe = await ctx.session.exec(`if [ -e ${quoteShell(creates)} ]; then echo yes; fi`, options);
    if (probe.stdout.trim() === 'yes') return { status: 'skipped', reason: `${creates} exists` };
  }
  if (step.unless !== undefined) {
    const guard = await ctx.session.exec(fromHome(step.unless), options);
    if (guard.exitCode === 0) return { status: 'skipped', reason: '`unless` succeeded' };
  }
  if (ctx.check) return { status: 'changed', reason: `would run as ${step.user}` };
  const started = Date.now();
  const result = await ctx.session.exec(fromHome(step.run), options);
  if (result.exitCode !== 0) throw new RemoteCommandError(`the command (as ${step.user})`, result);
  const last = tailOf(result.stdout, 1)[0];
  return {
    status: 'changed',
    reason: `ran as ${step.user} in ${Date.now() - started} ms${last ? `: ${last.slice(0, 120)}` : ''}`,
  };
}

/** Like Ansible's shell module: start in the user's home (su keeps root's working directory otherwise). */
function fromHome(script: string): string {
  return `cd 2>/dev/null || cd /\n${script}`;
}
