import type { FetchOptions } from '../artifacts/index.ts';
import { createProgressLines, formatProgress } from '../artifacts/index.ts';
import type { Logger } from '../host/command-runner.ts';
import { isInteractive } from './output.ts';

/** Flags shared by every command that downloads: --cache, --mirror, --offline. */
export interface DownloadFlags {
  readonly cache?: string;
  readonly mirror?: string;
  readonly offline?: boolean;
}

/** Fetch options with progress: one rewritten status line on a TTY, throttled plain lines in a log. */
export function fetchOptionsFor(flags: DownloadFlags, logger: Logger): FetchOptions {
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
