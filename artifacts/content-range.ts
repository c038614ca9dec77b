/** `bytes 100-199/200` → { start: 100, end: 199, total: 200 }; total is undefined for `/*`. */
export function parseContentRange(
  header: string | undefined,
): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return undefined;
  return match[3] === '*' ? { start, end } : { start, end, total: Number(match[3]) };
}
