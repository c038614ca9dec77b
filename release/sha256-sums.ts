import { TnbuildError } from '../errors/index.ts';

export interface SumsEntry {
  readonly file: string;
  readonly sha256: string;
}

// Only plain names: a release is one flat folder, and a signed list must not point outside it.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const LINE = /^([0-9a-f]{64}) [ *]([^/\\]+)$/;

/** GNU `sha256sum` text (`<hex>  <name>`), sorted by name, so `sha256sum -c SHA256SUMS` checks the folder. */
export function renderSha256Sums(entries: readonly SumsEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((entry) => `${entry.sha256}  ${entry.file}\n`)
    .join('');
}

/**
 * Reads a release's SHA256SUMS strictly: every line a lower-case sha256 and a plain file name, no name twice.
 * TNB600 names the first bad line; a SUMS file tnbuild did not write is not trusted to be read loosely.
 */
export function parseSha256Sums(text: string): SumsEntry[] {
  const entries: SumsEntry[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const match = LINE.exec(line);
    const file = match?.[2];
    if (!match?.[1] || file === undefined || !FILE_NAME.test(file) || file.includes('..')) {
      throw new TnbuildError(
        'TNB600',
        `SHA256SUMS line ${index + 1} is not "<sha256>  <file name>": ${JSON.stringify(line)}`,
      );
    }
    if (entries.some((entry) => entry.file === file)) {
      throw new TnbuildError('TNB600', `SHA256SUMS lists ${file} twice`);
    }
    entries.push({ file, sha256: match[1] });
  }
  if (entries.length === 0) throw new TnbuildError('TNB600', 'SHA256SUMS is empty');
  return entries;
}
