import { it } from 'vitest';

/**
 * Tests of one file that build on each other: after a failure the rest fail at once, naming it, instead of waiting
 * minutes each for a state that is not there.
 */
export function createSteps(): (name: string, body: () => Promise<void>) => void {
  let failed: string | undefined;
  return (name, body) =>
    it(name, async () => {
      if (failed) throw new Error(`skipped: an earlier step failed (${failed})`);
      try {
        await body();
      } catch (error) {
        failed = name;
        throw error;
      }
    });
}
