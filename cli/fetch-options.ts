import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProgressLines, formatProgress } from '../artifacts/progress-lines.ts';
import type { FetchOptions } from '../artifacts/types.ts';
import { TnbuildError } from '../errors/index.ts';
import type { Logger } from '../host/command-runner.ts';
import { isInteractive } from './output.ts';

/** Flags shared by every command that downloads: --cache, --mirror, --offline. */
export interface DownloadFlags {
  readonly cache?: string;
  readonly mirror?: string;
  readonly offline?: boolean;
}

/** A mirror folder that does not exist is a mistake to report, not a mirror to skip in silence. */
function checkMirror(mirror: string | undefined, from: string): void {
  if (!mirror || /^https?:\/\//i.test(mirror)) return;
  const dir = mirror.startsWith('file:') ? fileURLToPath(mirror) : mirror;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new TnbuildError('TNB110', `${from} ${mirror} is not a folder`, {
      hint: 'Give an existing folder of downloads, or an http(s) URL of a mirror.',
    });
  }
}

/** Fetch options with progress: one rewritten status line on a TTY, throttled plain lines in a log. */
export function fetchOptionsFor(flags: DownloadFlags, logger: Logger): FetchOptions {
  checkMirror(flags.mirror ?? process.env.TNBUILD_MIRROR, flags.mirror ? '--mirror' : 'TNBUILD_MIRROR');
  const onProgress = isInteractive()
    ? (event: Parameters<typeof formatProgress>[0]) => {
        process.stderr.write(`\r\x1b[2K${event.fileName}: ${formatProgress(event)}${event.done ? '\n' : ''}`);
      }
    : createProgressLines((line) => logger.info(line));
  return {
    ...(flags.cache !== undefined && { cacheDir: flags.cache }),
    ...(flags.mirror !== undefined && { mirror: flags.mirror }),
    offline: Boolean(flags.offline),
    logger,
    onProgress,
  };
}
