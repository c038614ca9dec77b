/**
 * Sizes and durations go through one parser each, never bare numbers: `'50G'`, `size.gib(50)`, `'500ms'`.
 * Binary units throughout, as QEMU and qemu-img read them: `G` = `GiB` = 2^30 bytes.
 */
export interface Size {
  readonly bytes: number;
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i;

export const size = {
  bytes: (n: number): Size => ({ bytes: n }),
  mib: (n: number): Size => ({ bytes: n * UNITS.M! }),
  gib: (n: number): Size => ({ bytes: n * UNITS.G! }),
};

/** `'50G'` → bytes; `undefined` when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[match[2]!.toUpperCase()]!;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Bytes → `'8G'` (or `'512M'`), the form qemu-img and QEMU accept. */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const scale = UNITS[unit]!;
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return String(bytes);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Milliseconds → the form a recipe writes: 900000 → `'15m'`, 10000 → `'10s'`, 1500 → `'1500ms'`. */
export function durationText(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const scale = DURATION_UNITS[unit]!;
    if (ms >= scale && ms % scale === 0) return `${ms / scale}${unit}`;
  }
  return `${ms}ms`;
}

/** `'500ms'`, `'1s'`, `'2m'` → milliseconds; `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
}
