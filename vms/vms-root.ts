import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$TNBUILD_VMS_DIR` (tests point it at a temp dir) or `~/vms`, the seed's layout. */
export function resolveVmsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TNBUILD_VMS_DIR;
  return override ? resolve(override) : join(homedir(), 'vms');
}
