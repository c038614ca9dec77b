/** Aborts when no progress is reported for `timeoutMs`; `reset()` on every chunk. */
export interface StallGuard {
  readonly signal: AbortSignal;
  readonly stalled: boolean;
  reset(): void;
  dispose(): void;
}

export function createStallGuard(timeoutMs: number, outer: AbortSignal | undefined): StallGuard {
  const controller = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort(new Error(`no data for ${timeoutMs} ms`));
    }, timeoutMs);
  };
  reset();
  return {
    signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
    get stalled() {
      return stalled;
    },
    reset,
    dispose: () => clearTimeout(timer),
  };
}
