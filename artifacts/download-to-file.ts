import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Logger } from '../host/command-runner.ts';
import { parseContentRange } from './content-range.ts';
import { HttpStatusError, ShortBodyError, StallError, TooLargeError } from './download-error.ts';
import type { HttpResponse, HttpTransport } from './http-transport.ts';
import type { ProgressMeter } from './progress-meter.ts';
import { createStallGuard } from './stall-guard.ts';

export interface DownloadToFileOptions {
  readonly transport: HttpTransport;
  readonly url: string;
  /** `tmp/<algorithm>-<hex>.part`; `<partPath>.json` remembers the URL and its validators for resuming. */
  readonly partPath: string;
  /** A response announcing or sending more is stopped at once, and its part deleted. */
  readonly maxBytes?: number | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly meter: ProgressMeter;
  readonly logger: Logger;
  /** Counts across attempts; the caller reports `transferred` and restarts from zero when a resume went wrong. */
  readonly stats: { transferred: number; resumed: boolean };
}

interface PartMeta {
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
}

const userAgent = 'tnbuild';

/**
 * One attempt to bring the part file to the full download. An existing part is continued with `Range` (and
 * `If-Range`, so a changed file restarts); a 206 must start exactly where the part ends, anything else restarts from
 * zero. Throws on a stall, a short body or a bad status; the part stays for the next attempt.
 */
export async function downloadToFile(options: DownloadToFileOptions): Promise<void> {
  if ((await attempt(options, true)) === 'restart') await attempt(options, false);
}

async function attempt(options: DownloadToFileOptions, allowResume: boolean): Promise<'done' | 'restart'> {
  const { url, partPath, logger } = options;
  const offset = allowResume ? ((await stat(partPath).catch(() => undefined))?.size ?? 0) : 0;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': userAgent };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    const validator = validatorFor(await readPartMeta(partPath), url);
    if (validator) headers['if-range'] = validator;
  }
  const guard = createStallGuard(options.timeoutMs, options.signal);
  let response: HttpResponse | undefined;
  let received = offset;
  try {
    response = await options.transport.get(url, { headers, signal: guard.signal });
    guard.reset();
    let start = 0;
    let total: number | undefined;
    if (response.status === 206) {
      const range = parseContentRange(response.header('content-range'));
      if (!range || range.start !== offset) {
        logger.debug(
          `${url}: asked for bytes ${offset}-, got Content-Range "${response.header('content-range')}"; starting over`,
        );
        response.discard();
        return 'restart';
      }
      start = offset;
      total = range.total;
      options.stats.resumed = offset > 0;
      logger.debug(`${url}: resuming at byte ${offset}`);
    } else if (response.status === 200) {
      if (offset > 0)
        logger.debug(
          `${url}: the server sent the whole file (no range support, or it changed); starting over`,
        );
      options.stats.resumed = false;
      total = optionalNumber(response.header('content-length'));
      await writePartMeta(partPath, {
        url,
        etag: response.header('etag'),
        lastModified: response.header('last-modified'),
      });
    } else if (response.status === 416 && offset > 0) {
      response.discard();
      return 'restart';
    } else {
      response.discard();
      throw new HttpStatusError(response.status, url);
    }
    if (options.maxBytes !== undefined && total !== undefined && total > options.maxBytes) {
      throw new TooLargeError(url, options.maxBytes);
    }
    received = start;
    const handle = await open(partPath, start > 0 ? 'a' : 'w');
    try {
      for await (const chunk of response.body) {
        guard.reset();
        if (options.maxBytes !== undefined && received + chunk.byteLength > options.maxBytes) {
          throw new TooLargeError(url, options.maxBytes);
        }
        await handle.write(chunk);
        received += chunk.byteLength;
        options.stats.transferred += chunk.byteLength;
        options.meter.update(received, total);
      }
    } finally {
      await handle.close();
    }
    if (guard.stalled) throw new StallError(url, options.timeoutMs, received);
    if (total !== undefined && received < total) throw new ShortBodyError(url, received, total);
    options.meter.finish(received);
    await rm(`${partPath}.json`, { force: true });
    return 'done';
  } catch (error) {
    response?.discard();
    if (error instanceof TooLargeError) await rm(partPath, { force: true });
    if (guard.stalled) throw new StallError(url, options.timeoutMs, received);
    throw error;
  } finally {
    guard.dispose();
  }
}

/** A strong ETag, else Last-Modified: what If-Range may carry. Only for the URL the part came from. */
function validatorFor(meta: PartMeta | undefined, url: string): string | undefined {
  if (meta?.url !== url) return undefined;
  if (meta.etag && !meta.etag.startsWith('W/')) return meta.etag;
  return meta.lastModified;
}

async function readPartMeta(partPath: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await readFile(`${partPath}.json`, 'utf8')) as PartMeta;
  } catch {
    return undefined;
  }
}

async function writePartMeta(partPath: string, meta: PartMeta): Promise<void> {
  await writeFile(`${partPath}.json`, JSON.stringify(meta));
}

function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
