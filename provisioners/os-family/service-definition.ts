import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';

/** `define` of a service step: a foreground program to supervise. */
export type ServiceDefinition = NonNullable<Extract<ResolvedStep, { type: 'service' }>['define']>;

/** Where each log of a defined service goes. */
export function serviceLogPath(service: string): string {
  return `/var/log/${service}.log`;
}
