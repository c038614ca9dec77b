import type { ChecksumAlgorithm } from './types.ts';

const hexLength: Record<ChecksumAlgorithm, number> = { sha256: 64, sha512: 128 };

/**
 * The hash for `fileName` in a published sums file, or undefined. Understands GNU lines (`<hex>  name`, `<hex> *name`,
 * what sha256sum writes: CometBFT's SHA256SUMS, Alpine's `.sha256`), BSD lines (`SHA256 (name) = <hex>`), and a file
 * that is a lone hash.
 */
export function parseChecksumFile(
  text: string,
  fileName: string,
  algorithm: ChecksumAlgorithm,
): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const length = hexLength[algorithm];
  for (const line of lines) {
    const entry = parseLine(line);
    if (entry && entry.hex.length === length && baseName(entry.name) === fileName)
      return entry.hex.toLowerCase();
  }
  const lone = lines.length === 1 ? lines[0] : undefined;
  if (lone !== undefined && new RegExp(`^[0-9a-fA-F]{${length}}$`).test(lone)) return lone.toLowerCase();
  return undefined;
}

function parseLine(line: string): { hex: string; name: string } | undefined {
  const gnu = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line);
  if (gnu?.[1] && gnu[2]) return { hex: gnu[1], name: gnu[2] };
  const bsd = /^SHA(?:256|512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)$/i.exec(line);
  if (bsd?.[1] && bsd[2]) return { hex: bsd[2], name: bsd[1] };
  return undefined;
}

function baseName(name: string): string {
  return name.replace(/^\.\//, '').split('/').at(-1) ?? name;
}
