import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner } from '../host/command-runner.ts';
import type { Template } from '../templates/index.ts';
import { buildSpdxDocument } from './build-spdx-document.ts';
import type { Compression } from './compression.ts';
import { describeReproducibility, type ReproducibilityFacts } from './describe-reproducibility.ts';
import { sha256Of } from './hashing-counter.ts';
import type { PipeResult } from './pipe-through-command.ts';
import {
  RELEASE_MANIFEST_FILE,
  SIGNATURE_FILE,
  SIGNATURE_NAMESPACE,
  SUMS_FILE,
  sbomFileName,
} from './release-layout.ts';
import type { ReleaseManifest } from './release-manifest.ts';
import { renderSha256Sums } from './sha256-sums.ts';
import { type SigningKey, signFile } from './signing-key.ts';

export interface ReleaseMetadataInput {
  readonly dir: string;
  readonly base: string;
  readonly name: string;
  readonly version: string;
  readonly template: Template;
  readonly compression: Compression;
  readonly imageFile: string;
  /** What compressing read (the template's qcow2) and wrote (the image). */
  readonly packed: PipeResult;
  readonly virtualSize: number;
  readonly key: SigningKey;
  readonly facts: ReproducibilityFacts;
  readonly releasedAt: Date;
  readonly tnbuildVersion: string;
}

/**
 * Writes the SBOM, manifest.json and SHA256SUMS beside the image in `dir`, then signs SHA256SUMS. Returns the
 * manifest and the names of every file in the folder.
 */
export async function writeReleaseMetadata(
  runner: CommandRunner,
  input: ReleaseMetadataInput,
): Promise<{ manifest: ReleaseManifest; files: string[] }> {
  const { packed } = input;
  // The qcow2 the store gets: the template's disk (zstd, xz), or the qcow2-compressed image itself.
  const qcow2 =
    input.compression === 'qcow2'
      ? { size: packed.outputBytes, sha256: packed.outputSha256 }
      : { size: packed.inputBytes, sha256: packed.inputSha256 };
  const sbomFile = sbomFileName(input.base);
  const sbom = buildSpdxDocument({
    name: input.name,
    version: input.version,
    template: input.template.manifest,
    imageSha256: qcow2.sha256,
    releasedAt: input.releasedAt,
    tnbuildVersion: input.tnbuildVersion,
  });
  const sbomText = `${JSON.stringify(sbom, null, 2)}\n`;
  const manifest: ReleaseManifest = {
    format: 1,
    kind: 'tnbuild-release',
    name: input.name,
    version: input.version,
    arch: input.template.manifest.arch,
    releasedAt: input.releasedAt.toISOString(),
    image: {
      file: input.imageFile,
      compression: input.compression,
      size: packed.outputBytes,
      sha256: packed.outputSha256,
      qcow2: { ...qcow2, virtualSize: input.virtualSize },
    },
    sbom: {
      file: sbomFile,
      format: 'SPDX-2.3',
      sha256: sha256Of(sbomText),
      packages: sbom.packages.length - 1,
    },
    signature: {
      file: SIGNATURE_FILE,
      namespace: SIGNATURE_NAMESPACE,
      publicKey: input.key.publicKey,
      fingerprint: input.key.fingerprint,
    },
    reproducibility: describeReproducibility(input.facts),
    template: input.template.manifest,
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeFile(join(input.dir, sbomFile), sbomText);
  await writeFile(join(input.dir, RELEASE_MANIFEST_FILE), manifestText);
  await writeFile(
    join(input.dir, SUMS_FILE),
    renderSha256Sums([
      { file: input.imageFile, sha256: packed.outputSha256 },
      { file: RELEASE_MANIFEST_FILE, sha256: sha256Of(manifestText) },
      { file: sbomFile, sha256: sha256Of(sbomText) },
    ]),
  );
  await signFile(runner, input.key, join(input.dir, SUMS_FILE));
  const files = [input.imageFile, RELEASE_MANIFEST_FILE, sbomFile, SUMS_FILE, SIGNATURE_FILE].sort();
  return { manifest, files };
}
