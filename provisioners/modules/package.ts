import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { TnbuildError } from '../../errors/index.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { quoteWords } from '../shell-quote.ts';

type PackageStep = Extract<ResolvedStep, { type: 'package' }>;

/** Installs (in one command) the packages that are missing, or removes the ones present. */
export async function runPackageStep(ctx: ModuleContext, step: PackageStep): Promise<ModuleResult> {
  const names = [...new Set(step.names)];
  for (const name of names) {
    if (!/^[A-Za-z0-9][\w.+-]*$/.test(name)) throw new Error(`not a package name: ${JSON.stringify(name)}`);
  }
  const listed = await execAdmin(ctx, ctx.family.listInstalledPackages(names));
  const installed = new Set(listed.stdout.split('\n').map((line) => line.trim()));
  const verb = ctx.check ? 'would ' : '';
  if (step.state === 'absent') {
    const present = names.filter((name) => installed.has(name));
    if (present.length === 0) return { status: 'ok', reason: 'none installed' };
    if (!ctx.check) await run(ctx, ctx.family.removePackages(present), `removing ${present.join(' ')}`);
    return { status: 'changed', reason: `${verb}remove ${present.join(' ')}` };
  }
  const missing = names.filter((name) => !installed.has(name));
  if (missing.length === 0) return { status: 'ok', reason: `all ${names.length} installed` };
  const refreshIndex = !ctx.run.packageIndexRefreshed && (await indexNeedsRefresh(ctx, missing));
  if (ctx.check) return { status: 'changed', reason: `would install ${missing.join(' ')}` };
  const result = await execAdmin(ctx, ctx.family.installPackages(missing, { refreshIndex }));
  if (refreshIndex) ctx.run.packageIndexRefreshed = true;
  if (result.exitCode !== 0) {
    const unknown = ctx.family.parseMissingPackages(`${result.stdout}\n${result.stderr}`, missing);
    if (unknown.length > 0) {
      throw new TnbuildError(
        'TNB404',
        `no package named ${unknown.join(', ')} in the guest's ${ctx.family.name === 'alpine' ? 'apk' : 'apt'} repositories`,
        {
          details: new RemoteCommandError('installing', result).details,
        },
      );
    }
    throw new RemoteCommandError(`installing ${missing.join(' ')}`, result);
  }
  return {
    status: 'changed',
    reason: `installed ${missing.join(' ')}${refreshIndex ? ' (index refreshed)' : ''}`,
  };
}

/**
 * Once per run at most. Alpine: always before the first install (cheap, and the install's index may be stale). Debian:
 * when there are no package lists, or a wanted package has no candidate in them.
 */
async function indexNeedsRefresh(ctx: ModuleContext, missing: readonly string[]): Promise<boolean> {
  if (ctx.family.name === 'alpine') return true;
  const probe = await execAdmin(
    ctx,
    [
      "ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages' || echo no-lists",
      `for p in ${quoteWords(missing)}; do apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || echo "unknown $p"; done`,
    ].join('\n'),
  );
  return probe.stdout.trim() !== '';
}

async function run(ctx: ModuleContext, script: string, what: string): Promise<void> {
  const result = await execAdmin(ctx, script);
  if (result.exitCode !== 0) throw new RemoteCommandError(what, result);
}
