import { readFile } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';
import { sha256Of } from './hashing-counter.ts';
import { RELEASE_MANIFEST_FILE, SUMS_FILE } from './release-layout.ts';
import { type ReleaseManifest, releaseManifestSchema } from './release-manifest.ts';
import type { SumsEntry } from './sha256-sums.ts';

/** The manifest (already checked against SHA256SUMS) must parse and name files SHA256SUMS lists, with its hashes. */
export async function readReleaseManifest(
  path: string | undefined,
  entries: readonly SumsEntry[],
): Promise<ReleaseManifest> {
  if (path === undefined)
    throw new TnbuildError('TNB600', `${SUMS_FILE} does not list ${RELEASE_MANIFEST_FILE}`);
  const bytes = await readFile(path);
  // Hashed again as read, so the bytes parsed are the bytes SHA256SUMS vouches for.
  const listed = entries.find((entry) => entry.file === RELEASE_MANIFEST_FILE);
  if (sha256Of(bytes) !== listed?.sha256) {
    throw new TnbuildError(
      'TNB600',
      `${RELEASE_MANIFEST_FILE} changed after it was checked against ${SUMS_FILE}`,
    );
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TnbuildError('TNB600', `${RELEASE_MANIFEST_FILE} is not JSON`, { cause: error });
  }
  const parsed = releaseManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TnbuildError(
      'TNB600',
      `${RELEASE_MANIFEST_FILE} is not a tnbuild release manifest (${issue?.path.join('.')}: ${issue?.message})`,
      {
        hint: 'It may come from a newer tnbuild; update tnbuild, or ask the publisher.',
      },
    );
  }
  const release = parsed.data;
  for (const [what, file, sha256] of [
    ['image', release.image.file, release.image.sha256],
    ['SBOM', release.sbom.file, release.sbom.sha256],
  ] as const) {
    const listed = entries.find((entry) => entry.file === file);
    if (!listed)
      throw new TnbuildError('TNB600', `the manifest's ${what} ${file} is not listed in ${SUMS_FILE}`);
    if (listed.sha256 !== sha256) {
      throw new TnbuildError('TNB600', `the manifest and ${SUMS_FILE} disagree about the sha256 of ${file}`);
    }
  }
  return release;
}
