import type { TnbuildError } from '../errors/index.ts';
import type { Recap, StepStatus } from './recap.ts';

/** How one step (or handler) ended: what `provision` returns per step and what the `step-end` event carries. */
export interface StepReport {
  readonly index: number;
  readonly name: string;
  readonly module: string;
  readonly field: string;
  readonly status: StepStatus;
  readonly reason: string;
  readonly diff?: string;
  readonly durationMs: number;
  readonly error?: TnbuildError;
}

/** What a progress view listens to. Handlers appear as steps of module `handler` after the recipe's steps. */
export type ProvisionEvent =
  | { readonly type: 'run-start'; readonly steps: number; readonly check: boolean }
  | {
      readonly type: 'step-start';
      readonly index: number;
      readonly name: string;
      readonly module: string;
      readonly field: string;
    }
  | ({ readonly type: 'step-end' } & Omit<StepReport, 'error'>)
  | { readonly type: 'reconnect'; readonly index: number; readonly name: string; readonly reason: string }
  | { readonly type: 'run-end'; readonly recap: Recap };
