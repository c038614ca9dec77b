import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchOptions } from '../artifacts/index.ts';
import type { Arch } from '../dsl/arch.ts';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner, Logger } from '../host/command-runner.ts';
import { silentLogger } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { openTemplateStore, type Template, type TemplateStore } from '../templates/index.ts';
import { openDirReleaseSource } from './dir-release-source.ts';
import { importReleaseDisk } from './import-release-disk.ts';
import { looksLikeOciReference, parseOciReference } from './oci/oci-reference.ts';
import type { RegistryOptions } from './oci/registry-client.ts';
import { openRegistryReleaseSource } from './oci/registry-release-source.ts';
import { MANIFEST_MAX_BYTES, readReleaseManifest } from './read-release-manifest.ts';
import { RELEASE_MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE } from './release-layout.ts';
import type { ReleaseManifest } from './release-manifest.ts';
import type { ReleaseProgressListener } from './release-progress.ts';
import type { ReleaseSource } from './release-source.ts';
import { parseSha256Sums, type SumsEntry } from './sha256-sums.ts';
import { resolveTrustedKeys } from './trusted-keys.ts';
import { openUrlReleaseSource } from './url-release-source.ts';
import { type VerifiedSignature, verifySumsSignature } from './verify-signature.ts';

export interface PullReleaseOptions {
  /**
   * The release: a local folder, an http(s) URL of one (its files go through the download cache), or a registry
   * reference `REGISTRY/REPOSITORY[:TAG|@DIGEST]` that `tnbuild push` wrote.
   */
  readonly source: string;
  /** For a registry reference: --ca, plain http on loopback, credentials. */
  readonly registry?: RegistryOptions;
  /** Whom to trust: an allowed_signers file, a public key file (`.pub`), or a public key line. */
  readonly trustedKeys: string;
  /** Refuse (TNB607) a release for another architecture. @default any */
  readonly arch?: Arch;
  /** @default openTemplateStore() — `output/templates` */
  readonly store?: TemplateStore;
  /** Download cache, mirror, offline, timeouts for a URL source. */
  readonly fetch?: Omit<FetchOptions, 'onProgress' | 'signal' | 'logger'>;
  readonly onProgress?: ReleaseProgressListener;
  readonly runner?: CommandRunner;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export interface PullResult {
  readonly template: Template;
  readonly release: ReleaseManifest;
  readonly signer: VerifiedSignature;
  /** The store already had this template (same key); nothing was unpacked. */
  readonly alreadyStored: boolean;
  /** Where it came from: the folder, the URL, or `registry/repository@sha256:…` (pinned even when pulled by tag). */
  readonly from: string;
}

/**
 * Fetches a release and imports it into the template store, trusting nothing before it is checked: the signature
 * over SHA256SUMS first (with the given trusted keys only), then every file SHA256SUMS lists, then the manifest
 * against SHA256SUMS; only then is the image unpacked (and its qcow2 hashed again) and committed. Any failure is a
 * TNB600/602/603/605 that says what was wrong, and leaves the store as it was.
 */
export async function pullRelease(options: PullReleaseOptions): Promise<PullResult> {
  const runner = options.runner ?? execaCommandRunner;
  const logger = options.logger ?? silentLogger;
  const store = options.store ?? openTemplateStore();
  const scratch = await mkdtemp(join(tmpdir(), 'tnbuild-pull-'));
  try {
    // Local and cheap, so a bad --trusted-keys is reported before anything is fetched.
    const allowedSigners = await resolveTrustedKeys(options.trustedKeys, scratch);
    const source = await openSource(options, logger);
    const sums = await source.readSmall(SUMS_FILE);
    if (!sums) {
      throw new TnbuildError(
        'TNB605',
        `${source.label} has no ${SUMS_FILE}, so it is not a tnbuild release folder`,
      );
    }
    const signature = await source.readSmall(SIGNATURE_FILE);
    if (!signature) {
      throw new TnbuildError(
        'TNB600',
        `${source.label} has no ${SIGNATURE_FILE}: the release is not signed, so it cannot be trusted`,
      );
    }
    const signer = await verifySumsSignature(runner, {
      sums,
      signature,
      allowedSigners,
      trustedKeysLabel: options.trustedKeys,
      scratchDir: scratch,
    });
    logger.info(`${SUMS_FILE} is signed by ${signer.principal} (${signer.fingerprint}).`);

    const entries = parseSha256Sums(sums.toString('utf8'));
    // The manifest first, small and capped: it declares the sizes every other file is held to.
    const manifestEntry = entries.find((entry) => entry.file === RELEASE_MANIFEST_FILE);
    const release = await readReleaseManifest(
      manifestEntry && (await source.fetchVerified(manifestEntry, MANIFEST_MAX_BYTES, options.onProgress)),
      entries,
    );
    if (options.arch !== undefined && release.arch !== options.arch) {
      throw new TnbuildError(
        'TNB607',
        `${source.label} is an ${release.arch} release of ${release.name}, and ${options.arch} was asked for`,
      );
    }
    const imagePath = await source.fetchVerified(
      entryFor(entries, release.image.file),
      release.image.size,
      options.onProgress,
    );
    await source.fetchVerified(entryFor(entries, release.sbom.file), SBOM_MAX_BYTES, options.onProgress);
    logger.info(`All ${entries.length} files match ${SUMS_FILE}.`);

    const imported = await importReleaseDisk(store, release, imagePath, {
      runner,
      origin: {
        pulledFrom: source.label,
        release: `${release.name} ${release.version}`,
        signer: signer.fingerprint,
      },
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(options.signal && { signal: options.signal }),
    });
    logger.info(
      imported.alreadyStored
        ? `Template ${imported.template.name} was already in ${store.root}.`
        : `Imported ${release.name} ${release.version} as template ${imported.template.name}.`,
    );
    return {
      template: imported.template,
      release,
      signer,
      alreadyStored: imported.alreadyStored,
      from: source.label,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The SPDX document lists every package; no real one comes near this. */
const SBOM_MAX_BYTES = 64 * 1024 * 1024;

function entryFor(entries: readonly SumsEntry[], file: string): SumsEntry {
  // readReleaseManifest checked that SHA256SUMS lists every file the manifest names.
  return entries.find((entry) => entry.file === file) as SumsEntry;
}

async function openSource(options: PullReleaseOptions, logger: Logger): Promise<ReleaseSource> {
  if (!existsSync(options.source) && looksLikeOciReference(options.source)) {
    if (options.fetch?.offline) {
      throw new TnbuildError('TNB202', `offline, so ${options.source} cannot be read from its registry`);
    }
    return openRegistryReleaseSource(parseOciReference(options.source), {
      ...(options.registry && { registry: options.registry }),
      fetch: { ...options.fetch, logger, ...(options.signal && { signal: options.signal }) },
    });
  }
  if (/^https?:\/\//i.test(options.source)) {
    // The signed list is read fresh from the publisher every time, never from a cache or mirror.
    if (options.fetch?.offline) {
      throw new TnbuildError('TNB202', `offline, so the release at ${options.source} cannot be read`, {
        hint: 'Copy the release folder to this machine and pull from the folder.',
      });
    }
    return openUrlReleaseSource(options.source, {
      ...options.fetch,
      logger,
      ...(options.signal && { signal: options.signal }),
    });
  }
  return openDirReleaseSource(options.source);
}
