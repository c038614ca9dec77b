type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const CONTEXT = 3;
/** Above this many cells the middle is shown as replaced rather than aligned line by line. */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff (`diff -u` style, 3 lines of context) from `before` to `after`, or '' when they are equal.
 * Binary content (a NUL byte) is reported in one line.
 */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { readonly from: string; readonly to: string },
): string {
  if (before === after) return '';
  const header = [`--- ${labels.from}`, `+++ ${labels.to}`];
  if (before.includes('\0') || after.includes('\0')) return [...header, 'Binary files differ', ''].join('\n');
  const ops = diffLines(splitLines(before), splitLines(after));
  return [...header, ...formatHunks(ops), ''].join('\n');
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] = `${lines[lines.length - 1]}\n\\ No newline at end of file`;
  return lines;
}

function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const head = a.slice(0, start).map((line): Op => ({ kind: ' ', line }));
  const tail = a.slice(endA).map((line): Op => ({ kind: ' ', line }));
  return [...head, ...alignMiddle(a.slice(start, endA), b.slice(start, endB)), ...tail];
}

/** Longest common subsequence on the part that differs. */
function alignMiddle(a: readonly string[], b: readonly string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    return [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  }
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] as string });
      i += 1;
      j += 1;
    } else if (
      j < b.length &&
      (i === a.length || (table[i * width + j + 1] ?? 0) >= (table[(i + 1) * width + j] ?? 0))
    ) {
      ops.push({ kind: '+', line: b[j] as string });
      j += 1;
    } else {
      ops.push({ kind: '-', line: a[i] as string });
      i += 1;
    }
  }
  // Show removals before additions inside each changed run, as diff -u does.
  return reorderRuns(ops);
}

function reorderRuns(ops: Op[]): Op[] {
  const result: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    result.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.kind === '-') removed.push(op);
    else if (op.kind === '+') added.push(op);
    else {
      flush();
      result.push(op);
    }
  }
  flush();
  return result;
}

function formatHunks(ops: readonly Op[]): string[] {
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  const lines: string[] = [];
  let cursor = 0;
  while (cursor < changed.length) {
    const first = changed[cursor] as number;
    let last = first;
    while (cursor + 1 < changed.length && (changed[cursor + 1] as number) - last <= 2 * CONTEXT) {
      cursor += 1;
      last = changed[cursor] as number;
    }
    cursor += 1;
    const from = Math.max(0, first - CONTEXT);
    const to = Math.min(ops.length, last + CONTEXT + 1);
    const before = ops.slice(0, from);
    const hunk = ops.slice(from, to);
    const startA = before.filter((op) => op.kind !== '+').length;
    const startB = before.filter((op) => op.kind !== '-').length;
    const countA = hunk.filter((op) => op.kind !== '+').length;
    const countB = hunk.filter((op) => op.kind !== '-').length;
    lines.push(`@@ -${range(startA, countA)} +${range(startB, countB)} @@`);
    for (const op of hunk) lines.push(`${op.kind}${op.line}`);
  }
  return lines;
}

function range(start: number, count: number): string {
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}
