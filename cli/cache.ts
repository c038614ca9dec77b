import { formatBytes, listCache, pruneCache, verifyCache } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import type { GlobalOptions } from './global-options.ts';
import { type CommandOutput, jsonOutput } from './output.ts';

export interface CacheCommandOptions extends GlobalOptions {
  readonly cache?: string;
  readonly olderThan?: number;
  readonly keep?: number;
  readonly dryRun?: boolean;
}

/** `tnbuild cache list|verify|prune`: see and clean ~/.vms/cache. */
export async function cache(action: string, options: CacheCommandOptions): Promise<CommandOutput> {
  const cacheDir = options.cache;
  switch (action) {
    case 'list': {
      const listing = await listCache({ cacheDir });
      if (options.json) return jsonOutput({ ...listing });
      const lines = listing.entries.map(
        (entry) =>
          `${formatBytes(entry.size).padStart(10)}  ${entry.checksum.algorithm}:${entry.checksum.value.slice(0, 12)}  ${entry.names.join(', ')}  last used ${entry.lastUsedAt}`,
      );
      for (const partial of listing.partials)
        lines.push(`${formatBytes(partial.size).padStart(10)}  partial     ${partial.path}`);
      lines.push(
        `${listing.entries.length} files, ${formatBytes(listing.totalBytes)} in ${listing.cacheDir}`,
      );
      return lines;
    }
    case 'verify': {
      const result = await verifyCache({ cacheDir });
      const lines = result.removed.map(
        ({ entry, actual }) =>
          `removed ${entry.names.join(', ')}: expected ${entry.checksum.value}, got ${actual}`,
      );
      lines.push(`${result.ok.length} files verified, ${result.removed.length} corrupt removed`);
      if (result.removed.length) process.exitCode = 1;
      return lines;
    }
    case 'prune': {
      const result = await pruneCache({
        cacheDir,
        olderThanDays: options.olderThan,
        keep: options.keep,
        dryRun: options.dryRun,
      });
      const verb = options.dryRun ? 'would remove' : 'removed';
      const lines = result.removed.map(
        (entry) => `${verb} ${entry.names.join(', ')} (${formatBytes(entry.size)})`,
      );
      lines.push(
        `${verb} ${result.removed.length} files and ${result.removedPartials.length} partial downloads, ${formatBytes(result.freedBytes)}`,
      );
      return lines;
    }
    default:
      throw new TnbuildError('TNB110', `unknown cache action "${action}"; expected list | verify | prune`);
  }
}
