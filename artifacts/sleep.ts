import { setTimeout as delay } from 'node:timers/promises';

/** Waits, or rejects with the signal's own reason (not a generic AbortError) when it is aborted. */
export async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
}
