import { TnbuildError } from '../errors/index.ts';
import { sha256Of } from './hashing-counter.ts';
import { readReleaseFile } from './open-release-file.ts';
import { RELEASE_MANIFEST_FILE, SUMS_FILE } from './release-layout.ts';
import { type ReleaseManifest, releaseManifestSchema } from './release-manifest.ts';
import type { SumsEntry } from './sha256-sums.ts';

/** The most a release manifest may hold (it lists every package of the image). */
export const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The manifest (already checked against SHA256SUMS) must parse strictly, agree with itself, and name exactly the
 * files SHA256SUMS lists, with its hashes. A signed manifest is still data from outside: TNB606 names every field
 * that is not what tnbuild itself would have written.
 */
export async function readReleaseManifest(
  path: string | undefined,
  entries: readonly SumsEntry[],
): Promise<ReleaseManifest> {
  if (path === undefined)
    throw new TnbuildError('TNB600', `${SUMS_FILE} does not list ${RELEASE_MANIFEST_FILE}`);
  const bytes = await readReleaseFile(path, MANIFEST_MAX_BYTES);
  // Hashed again as read, so the bytes parsed are the bytes SHA256SUMS vouches for.
  const listed = entries.find((entry) => entry.file === RELEASE_MANIFEST_FILE);
  if (bytes === undefined || sha256Of(bytes) !== listed?.sha256) {
    throw new TnbuildError(
      'TNB600',
      `${RELEASE_MANIFEST_FILE} changed after it was checked against ${SUMS_FILE}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new TnbuildError('TNB600', `${RELEASE_MANIFEST_FILE} is not JSON`, { cause: error });
  }
  const parsed = releaseManifestSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 20)
      .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new TnbuildError(
      'TNB606',
      `${RELEASE_MANIFEST_FILE} carries values tnbuild does not accept (${details[0]})`,
      { details },
    );
  }
  const release = parsed.data;
  assertConsistent(release);
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
  const named = new Set([RELEASE_MANIFEST_FILE, release.image.file, release.sbom.file]);
  const stray = entries.find((entry) => !named.has(entry.file));
  if (stray) {
    throw new TnbuildError(
      'TNB606',
      `${SUMS_FILE} lists ${stray.file}, which the manifest does not name; a release holds only its manifest, image and SBOM`,
    );
  }
  return release;
}

/** What the schema cannot see: fields that must agree with each other. */
function assertConsistent(release: ReleaseManifest): void {
  const { template, image } = release;
  const problems: string[] = [];
  if (template.arch !== release.arch) {
    problems.push(`arch: the release says ${release.arch}, its template ${template.arch}`);
  }
  if (image.qcow2.virtualSize !== template.disk.virtualSize) {
    problems.push(
      `image.qcow2.virtualSize: ${image.qcow2.virtualSize} bytes, but the template's disk is ${template.disk.virtualSize}`,
    );
  }
  if (release.reproducibility.templateKey !== template.key) {
    problems.push(`reproducibility.templateKey: not the template's key ${template.key}`);
  }
  if (problems.length > 0) {
    throw new TnbuildError('TNB606', `${RELEASE_MANIFEST_FILE} contradicts itself (${problems[0]})`, {
      details: problems,
    });
  }
}
