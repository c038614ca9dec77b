import { formatBytes, formatDuration } from './format-units.ts';
import type { ProgressEvent } from './types.ts';

/** `24.0 MiB / 60.0 MiB (40%) · 5.2 MiB/s · ETA 7s` — one line for a listr2 task's output on a TTY. */
export function formatProgress(event: ProgressEvent): string {
  const parts = [
    event.total === undefined
      ? formatBytes(event.received)
      : `${formatBytes(event.received)} / ${formatBytes(event.total)} (${percentOf(event)}%)`,
  ];
  if (event.done) return `${parts[0]} · done`;
  if (event.bytesPerSecond > 0) parts.push(`${formatBytes(event.bytesPerSecond)}/s`);
  if (event.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(event.etaSeconds)}`);
  return parts.join(' · ');
}

export interface ProgressLinesOptions {
  /** @default 10 */
  readonly everyPercent?: number;
  /** @default 5000 */
  readonly everyMs?: number;
  readonly now?: () => number;
}

/**
 * For logs and CI (no TTY): a listener that writes `alpine.iso: 40% …` lines only when another `everyPercent` is
 * crossed or `everyMs` has passed (or the size is unknown and `everyMs` passed), and once when a file is done.
 */
export function createProgressLines(
  writeLine: (line: string) => void,
  options: ProgressLinesOptions = {},
): (event: ProgressEvent) => void {
  const everyPercent = options.everyPercent ?? 10;
  const everyMs = options.everyMs ?? 5000;
  const now = options.now ?? Date.now;
  const last = new Map<string, { at: number; bucket: number }>();
  return (event) => {
    const at = now();
    const bucket = event.total ? Math.floor(percentOf(event) / everyPercent) : -1;
    const previous = last.get(event.url);
    const due =
      event.done || previous === undefined || bucket > previous.bucket || at - previous.at >= everyMs;
    if (!due) return;
    if (event.done) last.delete(event.url);
    else last.set(event.url, { at, bucket });
    writeLine(`${event.fileName}: ${formatProgress(event)}`);
  };
}

function percentOf(event: ProgressEvent): number {
  if (!event.total) return 0;
  return Math.min(100, Math.floor((event.received / event.total) * 100));
}
