import { describe, expect, it } from 'vitest';
import {
  createReleaseProgressLines,
  formatReleaseProgress,
  type ReleaseProgressEvent,
} from '../../release/index.ts';

const MiB = 1024 * 1024;

function event(stage: ReleaseProgressEvent['stage'], received: number, done = false): ReleaseProgressEvent {
  return {
    stage,
    url: '/x/disk.qcow2',
    fileName: 'node-1.0-x86_64.qcow2.zst',
    received,
    total: 10 * MiB,
    bytesPerSecond: MiB,
    etaSeconds: 3,
    done,
  };
}

describe('release progress', () => {
  it('formats one status line naming the stage', () => {
    expect(formatReleaseProgress(event('compress', 4 * MiB))).toBe(
      'compressing node-1.0-x86_64.qcow2.zst: 4.0 MiB / 10.0 MiB (40%) · 1.0 MiB/s · ETA 3s',
    );
  });

  it('writes plain lines for a log: each 10 %, once when done, stages kept apart', () => {
    const lines: string[] = [];
    const listener = createReleaseProgressLines((line) => lines.push(line));
    for (const received of [0, 0.5, 1.2, 1.5, 5.5].map((mib) => mib * MiB))
      listener(event('compress', received));
    listener(event('compress', 10 * MiB, true));
    listener(event('unpack', 0));
    expect(lines).toEqual([
      'compressing node-1.0-x86_64.qcow2.zst: 0 B / 10.0 MiB (0%) · 1.0 MiB/s · ETA 3s',
      'compressing node-1.0-x86_64.qcow2.zst: 1.2 MiB / 10.0 MiB (12%) · 1.0 MiB/s · ETA 3s',
      'compressing node-1.0-x86_64.qcow2.zst: 5.5 MiB / 10.0 MiB (55%) · 1.0 MiB/s · ETA 3s',
      'compressing node-1.0-x86_64.qcow2.zst: 10.0 MiB / 10.0 MiB (100%) · done',
      'unpacking node-1.0-x86_64.qcow2.zst: 0 B / 10.0 MiB (0%) · 1.0 MiB/s · ETA 3s',
    ]);
  });
});
