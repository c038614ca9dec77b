import { describe, expect, it } from 'vitest';
import {
  createProgressLines,
  formatBytes,
  formatDuration,
  formatProgress,
  type ProgressEvent,
} from '../../artifacts/index.ts';

const mib = 1024 * 1024;
const event = (received: number, extra: Partial<ProgressEvent> = {}): ProgressEvent => ({
  url: 'https://dl-cdn.alpinelinux.org/alpine.iso',
  fileName: 'alpine.iso',
  received,
  total: 60 * mib,
  bytesPerSecond: 5.2 * mib,
  etaSeconds: 7,
  done: false,
  ...extra,
});

describe('progress formatting', () => {
  it('formats one line for a listr2 task: bytes, percent, rate, ETA', () => {
    expect(formatProgress(event(24 * mib))).toBe('24.0 MiB / 60.0 MiB (40%) · 5.2 MiB/s · ETA 7s');
    expect(formatProgress(event(24 * mib, { total: undefined, etaSeconds: undefined }))).toBe(
      '24.0 MiB · 5.2 MiB/s',
    );
    expect(formatProgress(event(60 * mib, { done: true }))).toBe('60.0 MiB / 60.0 MiB (100%) · done');
  });

  it('formats sizes and durations', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 ** 3)]).toEqual([
      '512 B',
      '1.5 KiB',
      '3.0 GiB',
    ]);
    expect([formatDuration(7.4), formatDuration(75), formatDuration(3700)]).toEqual(['7s', '1m15s', '1h01m']);
  });

  it('writes plain lines only every 10% or every 5 s, and once when done', () => {
    let now = 0;
    const lines: string[] = [];
    const listener = createProgressLines((line) => lines.push(line), { now: () => now });

    for (let received = 0; received <= 60 * mib; received += mib) {
      now += 10;
      listener(event(received));
    }
    listener(event(60 * mib, { done: true }));

    expect(lines.map((line) => /\((\d+)%\)/.exec(line)?.[1])).toEqual([
      '0',
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
      '100',
      '100',
    ]);
    expect(lines.at(-1)).toBe('alpine.iso: 60.0 MiB / 60.0 MiB (100%) · done');
  });

  it('falls back to time when the size is unknown or the download is slow', () => {
    let now = 0;
    const lines: string[] = [];
    const listener = createProgressLines((line) => lines.push(line), { now: () => now });
    for (let second = 0; second <= 12; second++) {
      now = second * 1000;
      listener(event(second * 1000, { total: undefined, etaSeconds: undefined }));
    }
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('alpine.iso: 4.9 KiB · 5.2 MiB/s');
  });
});
