import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import type { ModuleContext, ModuleResult } from '../module-context.ts';
import { runDownloadStep } from './download.ts';
import { runFileStep } from './file.ts';
import { runNetworkStep } from './network.ts';
import { runPackageStep } from './package.ts';
import { runServiceStep } from './service.ts';
import { runShellStep } from './shell.ts';
import { runSysctlStep } from './sysctl.ts';
import { runTemplateStep } from './template.ts';
import { runUserStep } from './user.ts';

export function runModule(ctx: ModuleContext, step: ResolvedStep): Promise<ModuleResult> {
  switch (step.type) {
    case 'package':
      return runPackageStep(ctx, step);
    case 'user':
      return runUserStep(ctx, step);
    case 'file':
      return runFileStep(ctx, step);
    case 'template':
      return runTemplateStep(ctx, step);
    case 'service':
      return runServiceStep(ctx, step);
    case 'sysctl':
      return runSysctlStep(ctx, step);
    case 'network':
      return runNetworkStep(ctx, step);
    case 'download':
      return runDownloadStep(ctx, step);
    case 'shell':
      return runShellStep(ctx, step);
  }
}

/**
 * Whether a step may simply run again after the connection dropped in the middle of it: every module probes before
 * it changes anything, except a shell command without a `creates`/`unless` guard.
 */
export function isSafeToRetry(step: ResolvedStep): boolean {
  return step.type !== 'shell' || step.creates !== undefined || step.unless !== undefined;
}

/** Services a step asks to restart when it changes something. */
export function notifiesOf(step: ResolvedStep): readonly string[] {
  return 'notify' in step ? step.notify : [];
}
