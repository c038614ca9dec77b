import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateBuildKey } from '../../builders/build-key.ts';

describe('generateBuildKey', () => {
  it('makes only key pairs ssh2 itself can parse (its generator gets about 1 in 256 wrong)', () => {
    const bad: string[] = [];
    // 3000 pairs: with the raw generator, a run without a bad pair has a chance of (255/256)^3000, about 1e-5.
    for (let index = 0; index < 3000; index++) {
      const key = generateBuildKey('t');
      for (const text of [key.privateKey, key.publicKey]) {
        const parsed = ssh2.utils.parseKey(text);
        if (parsed instanceof Error) bad.push(`${index}: ${parsed.message}`);
      }
      expect(key.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]{68} t$/);
    }
    expect(bad).toEqual([]);
  });
});
