import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The folder test/fixtures/guest/build-guest.sh prints (`arm64` for that guest): built once, then reused. */
export function guestFixtureFolder(...args: string[]): string {
  return execFileSync('bash', [join(import.meta.dirname, '../test/fixtures/guest/build-guest.sh'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
}
