import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FetchOptions } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner, Logger } from '../host/command-runner.ts';
import { silentLogger } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { openTemplateStore, readQcow2Header, type Template, type TemplateStore } from '../templates/index.ts';
import { buildSpdxDocument } from './build-spdx-document.ts';
import { codecFor } from './codec-for.ts';
import { type Compression, DEFAULT_COMPRESSION } from './compression.ts';
import { describeReproducibility } from './describe-reproducibility.ts';
import { gatherReproducibilityFacts } from './gather-reproducibility-facts.ts';
import { sha256Of } from './hashing-counter.ts';
import { readTemplateArg } from './read-template-arg.ts';
import {
  assertNameSegment,
  imageFileName,
  RELEASE_MANIFEST_FILE,
  releaseBaseName,
  SIGNATURE_FILE,
  SIGNATURE_NAMESPACE,
  SUMS_FILE,
  sbomFileName,
} from './release-layout.ts';
import type { ReleaseManifest } from './release-manifest.ts';
import { createStageMeter, type ReleaseProgressListener } from './release-progress.ts';
import { renderSha256Sums } from './sha256-sums.ts';
import { readSigningKey, signFile } from './signing-key.ts';
import { readTnbuildVersion } from './tnbuild-version.ts';

export interface ReleaseTemplateOptions {
  /** The template: the store's `Template`, its directory, or its manifest.json. */
  readonly template: Template | string;
  /** Goes into the folder and file names: letters, digits and `._+-`. */
  readonly version: string;
  /** Path of the ed25519 private key that signs SHA256SUMS (`ssh-keygen -t ed25519`, no passphrase). */
  readonly key: string;
  /** @default 'output/releases' */
  readonly outDir?: string;
  /** @default the template's recipe name */
  readonly name?: string;
  /** @default 'zstd' (see release/README.md for the measurements) */
  readonly compression?: Compression;
  /** Where to find the parent layers for the reproducibility statement. @default the template's own store */
  readonly store?: TemplateStore;
  /** The download cache, to name the hash of inputs pinned by a published sums file. */
  readonly fetch?: Pick<FetchOptions, 'cacheDir'>;
  readonly onProgress?: ReleaseProgressListener;
  readonly runner?: CommandRunner;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface ReleaseResult {
  /** `output/releases/<name>-<version>-<arch>` */
  readonly dir: string;
  readonly manifest: ReleaseManifest;
  /** Every file in the folder, by name. */
  readonly files: readonly string[];
}

/**
 * Publishes a stored template as `<outDir>/<name>-<version>-<arch>/`: the compressed image, an SPDX SBOM, a
 * manifest, SHA256SUMS over all three and `SHA256SUMS.sig` (`ssh-keygen -Y sign -n tnbuild-release`). The key and
 * the names are checked before the slow compression; everything is written to a `.tmp-…` folder that is renamed into
 * place at the end, so the release folder is absent or whole. TNB604 if that release already exists.
 */
export async function releaseTemplate(options: ReleaseTemplateOptions): Promise<ReleaseResult> {
  const runner = options.runner ?? execaCommandRunner;
  const logger = options.logger ?? silentLogger;
  const template = await readTemplateArg(options.template);
  const arch = template.manifest.arch;
  const name = options.name ?? template.manifest.recipe;
  assertNameSegment('name', name);
  assertNameSegment('version', options.version);
  const compression = options.compression ?? DEFAULT_COMPRESSION;
  const key = await readSigningKey(runner, options.key);
  const header = await readQcow2Header(template.disk);
  if (header.backingFile !== undefined) {
    throw new TnbuildError(
      'TNB510',
      `${template.disk} has a backing file (${header.backingFile}); a release needs a standalone disk`,
    );
  }
  const base = releaseBaseName(name, options.version, arch);
  const outDir = resolve(options.outDir ?? join('output', 'releases'));
  const finalDir = join(outDir, base);
  if (await stat(finalDir).catch(() => undefined)) throw alreadyReleased(finalDir);

  await mkdir(outDir, { recursive: true });
  const tmp = join(outDir, `.tmp-${base}-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(tmp);
  try {
    const codec = codecFor(compression, runner);
    const imageFile = imageFileName(base, compression);
    const diskSize = (await stat(template.disk)).size;
    logger.info(`Compressing ${template.name} (${compression}) into ${imageFile}.`);
    const meter = createStageMeter(
      'compress',
      { url: template.disk, fileName: imageFile },
      options.onProgress,
    );
    const packed = await codec.compress(template.disk, join(tmp, imageFile), {
      onInput: (bytes) => meter.update(bytes, diskSize),
      ...(options.signal && { signal: options.signal }),
    });
    meter.finish(packed.inputBytes);
    options.signal?.throwIfAborted();

    const qcow2 =
      compression === 'qcow2'
        ? { size: packed.outputBytes, sha256: packed.outputSha256 }
        : { size: packed.inputBytes, sha256: packed.inputSha256 };
    const releasedAt = (options.now ?? (() => new Date()))();
    const sbomFile = sbomFileName(base);
    const sbom = buildSpdxDocument({
      name,
      version: options.version,
      template: template.manifest,
      imageSha256: qcow2.sha256,
      releasedAt,
      tnbuildVersion: await readTnbuildVersion(),
    });
    const sbomText = `${JSON.stringify(sbom, null, 2)}\n`;
    const facts = await gatherReproducibilityFacts(
      template,
      options.store ?? openTemplateStore({ root: dirname(template.dir) }),
      {
        ...(options.fetch?.cacheDir !== undefined && { cacheDir: options.fetch.cacheDir }),
        compressor: await codec.describe(),
      },
    );
    const manifest: ReleaseManifest = {
      format: 1,
      kind: 'tnbuild-release',
      name,
      version: options.version,
      arch,
      releasedAt: releasedAt.toISOString(),
      image: {
        file: imageFile,
        compression,
        size: packed.outputBytes,
        sha256: packed.outputSha256,
        qcow2: { ...qcow2, virtualSize: header.virtualSize },
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
        publicKey: key.publicKey,
        fingerprint: key.fingerprint,
      },
      reproducibility: describeReproducibility(facts),
      template: template.manifest,
    };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    const sums = renderSha256Sums([
      { file: imageFile, sha256: packed.outputSha256 },
      { file: RELEASE_MANIFEST_FILE, sha256: sha256Of(manifestText) },
      { file: sbomFile, sha256: sha256Of(sbomText) },
    ]);
    await writeFile(join(tmp, sbomFile), sbomText);
    await writeFile(join(tmp, RELEASE_MANIFEST_FILE), manifestText);
    await writeFile(join(tmp, SUMS_FILE), sums);
    await signFile(runner, key, join(tmp, SUMS_FILE));
    options.signal?.throwIfAborted();

    const files = [imageFile, RELEASE_MANIFEST_FILE, sbomFile, SUMS_FILE, SIGNATURE_FILE].sort();
    for (const file of files) await fsyncPath(join(tmp, file));
    await rename(tmp, finalDir).catch((error: NodeJS.ErrnoException) => {
      // Another release of the same name and version finished meanwhile.
      if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') throw alreadyReleased(finalDir);
      throw error;
    });
    await fsyncPath(outDir);
    logger.info(`Released ${base}: ${finalDir}`);
    return { dir: finalDir, manifest, files };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

function alreadyReleased(dir: string): TnbuildError {
  return new TnbuildError('TNB604', `${dir} already exists`);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
