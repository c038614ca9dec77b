import { TnbuildError } from '../errors/index.ts';
import type { Compression } from './compression.ts';

/** The signed list of every other file in a release, in the format `sha256sum -c` reads. */
export const SUMS_FILE = 'SHA256SUMS';
/** `ssh-keygen -Y sign` output over SUMS_FILE. */
export const SIGNATURE_FILE = 'SHA256SUMS.sig';
export const RELEASE_MANIFEST_FILE = 'manifest.json';
/** The `-n` namespace of every release signature: a signature made for git or for files cannot pass as a release. */
export const SIGNATURE_NAMESPACE = 'tnbuild-release';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** `<name>-<version>-<arch>`: the release folder, and the stem of the image and SBOM file names in it. */
export function releaseBaseName(name: string, version: string, arch: string): string {
  return `${name}-${version}-${arch}`;
}

export function imageFileName(base: string, compression: Compression): string {
  const suffix = { zstd: '.qcow2.zst', xz: '.qcow2.xz', qcow2: '.qcow2' }[compression];
  return `${base}${suffix}`;
}

export function sbomFileName(base: string): string {
  return `${base}.spdx.json`;
}

/** A release name or version becomes part of file names: letters, digits and `._+-`, starting alphanumeric. */
export function assertNameSegment(what: 'name' | 'version', value: string): void {
  if (!SEGMENT.test(value) || value.includes('..')) {
    throw new TnbuildError(
      'TNB110',
      `release ${what} ${JSON.stringify(value)} cannot be used in a file name`,
      {
        hint: `Use letters, digits and . _ + - only (for example 1.4.0 or 2025.06.1), starting with a letter or digit.`,
      },
    );
  }
}
