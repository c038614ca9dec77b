import path from 'node:path';
import { silentLogger } from '../host/command-runner.ts';
import { defaultCacheDir } from './default-cache-dir.ts';
import { nodeHttpTransport } from './node-http-transport.ts';
import type { FetchOptions, ResolvedFetchOptions } from './types.ts';

/** The one place defaults and environment variables (TNBUILD_CACHE, TNBUILD_MIRROR) are applied. */
export function resolveFetchOptions(
  options: FetchOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedFetchOptions {
  return {
    cacheDir: path.resolve(options.cacheDir ?? defaultCacheDir(env)),
    mirror: options.mirror ?? (env.TNBUILD_MIRROR || undefined),
    offline: options.offline ?? false,
    logger: options.logger ?? silentLogger,
    onProgress: options.onProgress,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 1000,
    transport: options.transport ?? nodeHttpTransport,
  };
}
