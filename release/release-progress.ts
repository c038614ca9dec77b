import { createProgressLines, formatProgress, type ProgressEvent } from '../artifacts/index.ts';
import { createProgressMeter } from '../artifacts/progress-meter.ts';

export type ReleaseStage = 'compress' | 'download' | 'verify' | 'unpack';

/** The download cache's progress event plus which stage it is; `url` is the file's URL or local path. */
export interface ReleaseProgressEvent extends ProgressEvent {
  readonly stage: ReleaseStage;
}

export type ReleaseProgressListener = (event: ReleaseProgressEvent) => void;

const VERB: Record<ReleaseStage, string> = {
  compress: 'compressing',
  download: 'downloading',
  verify: 'verifying',
  unpack: 'unpacking',
};

/** `compressing node-1.0-x86_64.qcow2.zst: 24.0 MiB / 60.0 MiB (40%) · 5.2 MiB/s · ETA 7s` — for a TTY status line. */
export function formatReleaseProgress(event: ReleaseProgressEvent): string {
  return `${VERB[event.stage]} ${event.fileName}: ${formatProgress(event)}`;
}

/** For logs and CI (no TTY): plain lines every 10 % or 5 s per file and stage, and one when each is done. */
export function createReleaseProgressLines(writeLine: (line: string) => void): ReleaseProgressListener {
  const lines = createProgressLines(writeLine);
  return (event) =>
    lines({
      ...event,
      url: `${event.stage}:${event.url}`,
      fileName: `${VERB[event.stage]} ${event.fileName}`,
    });
}

/** Throttled events (rate, ETA) from a byte counter, tagged with the stage. */
export function createStageMeter(
  stage: ReleaseStage,
  source: { readonly url: string; readonly fileName: string },
  onProgress: ReleaseProgressListener | undefined,
) {
  return createProgressMeter(source, onProgress && ((event) => onProgress({ ...event, stage })));
}

/** For a CLI: one status line rewritten in place on a terminal (`writeStatus`), plain lines in a log (`writeLine`). */
export function createReleaseProgressListener(output: {
  readonly interactive: boolean;
  readonly writeLine: (line: string) => void;
  readonly writeStatus: (text: string) => void;
}): ReleaseProgressListener {
  if (!output.interactive) return createReleaseProgressLines(output.writeLine);
  return (event) => output.writeStatus(`\r\x1b[2K${formatReleaseProgress(event)}${event.done ? '\n' : ''}`);
}
