import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FetchOptions } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner, Logger } from '../host/command-runner.ts';
import { silentLogger } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { tnbuildVersion } from '../host/package-root.ts';
import { openTemplateStore, readQcow2Header, type Template, type TemplateStore } from '../templates/index.ts';
import { codecFor } from './codec-for.ts';
import { type Compression, DEFAULT_COMPRESSION } from './compression.ts';
import { gatherReproducibilityFacts } from './gather-reproducibility-facts.ts';
import { readTemplateArg } from './read-template-arg.ts';
import { discardReleaseDir, finishReleaseDir, startReleaseDir } from './release-dir.ts';
import { assertNameSegment, imageFileName, releaseBaseName } from './release-layout.ts';
import type { ReleaseManifest } from './release-manifest.ts';
import { createStageMeter, type ReleaseProgressListener } from './release-progress.ts';
import { readSigningKey } from './signing-key.ts';
import { writeReleaseMetadata } from './write-release-metadata.ts';

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
  if (template.manifest.disk.compressed && compression !== 'qcow2') {
    // Measured (README): zstd over a qcow2 with compressed clusters saves about 1 %.
    logger.warn(
      `${template.name} is stored with qcow2-compressed clusters, so ${compression} can barely shrink it; --compression qcow2 gives a release of about the same size that needs no unpacking.`,
    );
  }
  const base = releaseBaseName(name, options.version, arch);
  const scratch = await startReleaseDir(resolve(options.outDir ?? join('output', 'releases')), base);
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
    const packed = await codec.compress(template.disk, join(scratch.tmp, imageFile), {
      onInput: (bytes) => meter.update(bytes, diskSize),
      ...(options.signal && { signal: options.signal }),
    });
    meter.finish(packed.inputBytes);
    options.signal?.throwIfAborted();

    const store = options.store ?? openTemplateStore({ root: dirname(template.dir) });
    const { manifest, files } = await writeReleaseMetadata(runner, {
      dir: scratch.tmp,
      base,
      name,
      version: options.version,
      template,
      compression,
      imageFile,
      packed,
      virtualSize: header.virtualSize,
      key,
      facts: await gatherReproducibilityFacts(template, store, {
        ...(options.fetch?.cacheDir !== undefined && { cacheDir: options.fetch.cacheDir }),
        compressor: await codec.describe(),
      }),
      releasedAt: (options.now ?? (() => new Date()))(),
      tnbuildVersion: tnbuildVersion(),
    });
    options.signal?.throwIfAborted();
    await finishReleaseDir(scratch, files);
    logger.info(`Released ${base}: ${scratch.finalDir}`);
    return { dir: scratch.finalDir, manifest, files };
  } catch (error) {
    await discardReleaseDir(scratch);
    throw error;
  }
}
