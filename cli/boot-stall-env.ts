import { TnbuildError } from '../errors/index.ts';

/**
 * `TNBUILD_BOOT_STALL`: seconds a booting machine's console may print nothing, on a guest that answers no TCP,
 * before its boot counts as stalled and it is booted again (default 180): a build VM's, and a clone's under
 * `vm start --wait`. Whole seconds from 1 to 3600; anything else is refused before anything boots.
 */
export function bootStallFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 3600)) {
    throw new TnbuildError(
      'TNB110',
      `TNBUILD_BOOT_STALL=${JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value)} is not a number of seconds`,
      {
        hint: 'Give whole seconds from 1 to 3600 (default 180), or unset it.',
      },
    );
  }
  return seconds * 1000;
}
