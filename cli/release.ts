import { join } from 'node:path';
import { formatBytes } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import {
  COMPRESSIONS,
  createReleaseProgressListener,
  isCompression,
  releaseTemplate,
} from '../release/index.ts';
import { listTemplates, openTemplateStore, resolveTemplateRef, type Template } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger, isInteractive } from './output.ts';

export interface ReleaseCommandOptions extends GlobalOptions {
  /** @default the template's key, first 12 digits */
  readonly version?: string;
  /** ed25519 private key. @default $TNBUILD_RELEASE_KEY */
  readonly key?: string;
  /** zstd | xz | qcow2. @default zstd */
  readonly compression?: string;
}

/** `tnbuild release <name>`: the newest stored template of recipe <name> for --arch (or a template ref), published. */
export async function release(name: string, options: ReleaseCommandOptions): Promise<string[]> {
  const key = options.key ?? process.env.TNBUILD_RELEASE_KEY;
  if (!key) {
    throw new TnbuildError('TNB601', 'no release signing key given', {
      hint: 'Pass --key with an ed25519 private key (create one with `ssh-keygen -t ed25519 -f ~/.ssh/tnbuild-release`), or set TNBUILD_RELEASE_KEY.',
    });
  }
  const compression = options.compression ?? 'zstd';
  if (!isCompression(compression)) {
    throw new TnbuildError(
      'TNB110',
      `--compression must be ${COMPRESSIONS.join(' | ')}, got "${compression}"`,
    );
  }
  const store = openTemplateStore({ root: join(options.output, 'templates') });
  const template = await findReleasable(name, options, store);
  const logger = createConsoleLogger(options.verbose);
  const result = await releaseTemplate({
    template,
    version: options.version ?? template.key.slice(0, 12),
    key,
    compression,
    outDir: join(options.output, 'releases'),
    store,
    logger,
    onProgress: createReleaseProgressListener({
      interactive: isInteractive(),
      writeLine: (line) => logger.info(line),
      writeStatus: (text) => process.stderr.write(text),
    }),
  });
  const { image, sbom, signature } = result.manifest;
  return [
    `released ${template.name} as ${result.dir}`,
    `  ${image.file}  ${formatBytes(image.size)} (${image.compression}; the qcow2 is ${formatBytes(image.qcow2.size)})`,
    `  ${sbom.file}  SPDX 2.3, ${sbom.packages} packages`,
    '  manifest.json, SHA256SUMS, SHA256SUMS.sig',
    `signed by ${signature.fingerprint}; downstream users trust it with this allowed_signers line:`,
    `  <identity> namespaces="tnbuild-release" ${signature.publicKey}`,
    `and check with: ssh-keygen -Y verify -f allowed_signers -I <identity> -n tnbuild-release -s SHA256SUMS.sig < SHA256SUMS && sha256sum -c SHA256SUMS`,
  ];
}

/** The newest template of the recipe for --arch; otherwise a key prefix or directory name. */
export async function findReleasable(
  name: string,
  options: ReleaseCommandOptions,
  store: ReturnType<typeof openTemplateStore>,
): Promise<Template> {
  const newest = (await listTemplates(store)).find(
    (template) => template.manifest.recipe === name && template.manifest.arch === options.arch,
  );
  return newest ?? (await resolveTemplateRef(store, name));
}
