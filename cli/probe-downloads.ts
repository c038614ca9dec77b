import { nodeHttpTransport } from '../artifacts/index.ts';
import type { ResolvedArtifact, ResolvedRecipe } from '../dsl/resolved-recipe.ts';
import { isLocalInput, sourceInputs } from '../dsl/source-inputs.ts';

/** One host the recipes download from, whether it answers, and what needs it. */
export interface DownloadHostCheck {
  readonly origin: string;
  readonly reachable: boolean;
  readonly detail: string;
  /** `base: source.iso (x86_64)`, … */
  readonly neededBy: readonly string[];
}

/** Every http(s) URL the recipes download, with what needs it. */
export function downloadsOf(recipes: Iterable<ResolvedRecipe>): Map<string, string[]> {
  const needs = new Map<string, string[]>();
  const add = (recipe: ResolvedRecipe, field: string, artifact: ResolvedArtifact) => {
    for (const [arch, url] of Object.entries(artifact.url)) {
      if (!url || !/^https?:/i.test(url) || !recipe.arches.includes(arch as never)) continue;
      needs.set(url, [...(needs.get(url) ?? []), `${recipe.name}: ${field} (${arch})`]);
      const checksum = artifact.checksum[arch as keyof typeof artifact.checksum];
      if (checksum && 'file' in checksum) {
        needs.set(checksum.file, [
          ...(needs.get(checksum.file) ?? []),
          `${recipe.name}: ${field} checksum (${arch})`,
        ]);
      }
    }
  };
  for (const recipe of recipes) {
    for (const { field, input } of sourceInputs(recipe.source))
      if (!isLocalInput(input)) add(recipe, field, input);
    for (const step of recipe.steps) if (step.type === 'download') add(recipe, step.field, step.artifact);
  }
  return needs;
}

/**
 * Asks each origin once (the first URL it serves, headers only, 5 s at most): answers with any HTTP status count as
 * reachable; DNS, connection and TLS failures, or silence, do not.
 */
export async function probeDownloadHosts(
  needs: ReadonlyMap<string, readonly string[]>,
  timeoutMs = 5_000,
): Promise<DownloadHostCheck[]> {
  const byOrigin = new Map<string, { url: string; neededBy: string[] }>();
  for (const [url, neededBy] of needs) {
    const origin = new URL(url).origin;
    const entry = byOrigin.get(origin) ?? { url, neededBy: [] };
    entry.neededBy.push(...neededBy);
    byOrigin.set(origin, entry);
  }
  return Promise.all(
    [...byOrigin].map(async ([origin, { url, neededBy }]) => {
      try {
        const response = await nodeHttpTransport.get(url, {
          headers: { 'user-agent': 'tnbuild-doctor', range: 'bytes=0-0' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        response.discard();
        return { origin, reachable: true, detail: `HTTP ${response.status}`, neededBy };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
        return { origin, reachable: false, detail: code ?? String(error), neededBy };
      }
    }),
  );
}
