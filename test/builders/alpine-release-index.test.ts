import { describe, expect, it } from 'vitest';
import { findVirtRelease } from '../e2e/helpers/fetch-alpine-iso.ts';

// The shape of Alpine's releases/<arch>/latest-releases.yaml (one entry per flavor), trimmed.
const YAML = `---
-
  title: "Standard"
  flavor: alpine-standard
  file: alpine-standard-3.22.2-x86_64.iso
  sha256: ${'a'.repeat(64)}
-
  title: "Virtual"
  flavor: alpine-virt
  file: alpine-virt-3.22.2-x86_64.iso
  size: 65011712
  sha256: ${'b'.repeat(64)}
  sha512: ${'c'.repeat(128)}
`;

describe('the online test picks the alpine-virt ISO from the release index', () => {
  it('finds the file and its sha256 in the alpine-virt entry', () => {
    expect(findVirtRelease(YAML)).toEqual({ file: 'alpine-virt-3.22.2-x86_64.iso', sha256: 'b'.repeat(64) });
  });

  it('fails clearly without one', () => {
    expect(() => findVirtRelease('---\n-\n  flavor: alpine-standard\n')).toThrow('no alpine-virt entry');
  });
});
