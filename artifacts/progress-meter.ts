import type { ProgressEvent } from './types.ts';

export interface ProgressMeter {
  /** Bytes now on disk (including a resumed part) and the full size if known. */
  update(received: number, total: number | undefined): void;
  finish(received: number): void;
}

const windowMs = 5000;
const minIntervalMs = 100;

/** Turns byte counts into throttled progress events with a rate over the last few seconds and an ETA. */
export function createProgressMeter(
  base: { readonly url: string; readonly fileName: string },
  onProgress: ((event: ProgressEvent) => void) | undefined,
  now: () => number = Date.now,
): ProgressMeter {
  const samples: { at: number; received: number }[] = [];
  let lastEmit = Number.NEGATIVE_INFINITY;
  let lastTotal: number | undefined;

  const emit = (received: number, total: number | undefined, done: boolean) => {
    const at = now();
    if (!done && at - lastEmit < minIntervalMs) return;
    lastEmit = at;
    samples.push({ at, received });
    while (samples.length > 2 && (samples[0]?.at ?? at) < at - windowMs) samples.shift();
    const first = samples[0] ?? { at, received };
    const seconds = (at - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? Math.max(0, (received - first.received) / seconds) : 0;
    const etaSeconds =
      total !== undefined && bytesPerSecond > 0
        ? Math.max(0, (total - received) / bytesPerSecond)
        : done
          ? 0
          : undefined;
    onProgress?.({ ...base, received, total, bytesPerSecond, etaSeconds, done });
  };

  return {
    update(received, total) {
      lastTotal = total;
      emit(received, total, false);
    },
    finish(received) {
      emit(received, lastTotal ?? received, true);
    },
  };
}
