import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../artifacts/format-units.ts';
import { TnbuildError } from '../errors/index.ts';
import { parseOciReference, pushRelease, type RegistryOptions } from '../release/index.ts';
import { releaseBaseName, SUMS_FILE } from '../release/release-layout.ts';
import { openTemplateStore } from '../templates/index.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger } from './output.ts';
import { findReleasable, release } from './release.ts';

export interface PushCommandOptions extends GlobalOptions, RegistryFlags {
  /** ed25519 private key, when a release has to be made first. @default $TNBUILD_RELEASE_KEY */
  readonly key?: string;
  readonly compression?: string;
}

/** --ca and --plain-http, shared by push and pull. */
export interface RegistryFlags {
  readonly ca?: string;
  readonly plainHttp?: boolean;
}

export function registryOptions(flags: RegistryFlags): RegistryOptions {
  return { ...(flags.ca !== undefined && { ca: flags.ca }), ...(flags.plainHttp && { plainHttp: true }) };
}

/**
 * `tnbuild push <release-folder|recipe|template> <registry>/<repository>:<tag>`: a release folder as it is; a
 * recipe or template is released first (version = the tag), or its release of that version is reused when it is
 * of the same template.
 */
export async function push(what: string, target: string, options: PushCommandOptions): Promise<string[]> {
  const reference = parseOciReference(target);
  if (!reference.tag || reference.digest) {
    throw new TnbuildError(
      'TNB610',
      `push needs a tag to push to, as in ${reference.registry}/${reference.repository}:1.0.0`,
    );
  }
  const dir = await releaseFolder(what, reference.tag, options);
  const logger = createConsoleLogger(options.verbose);
  const result = await pushRelease({
    dir,
    reference,
    registry: registryOptions(options),
    onProgress: (event) => {
      if (event.mounted) logger.info(`${event.file}: mounted from another repository of the registry`);
      else if (event.present) logger.info(`${event.file}: already in the registry`);
      else if (event.sent === event.total) logger.info(`${event.file}: sent ${formatBytes(event.total)}`);
    },
  });
  return [
    `pushed ${dir} to ${target}`,
    `  ${result.pinned}`,
    `  ${formatBytes(result.sentBytes)} sent; ${result.blobs.filter((blob) => !blob.sent).length} of ${result.blobs.length} files were there already${mountedNote(result.blobs.filter((blob) => blob.mounted).length)}`,
    `pull it elsewhere with: tnbuild pull ${result.pinned}`,
  ];
}

function mountedNote(count: number): string {
  return count === 0 ? '' : ` (${count} mounted from another repository)`;
}

async function releaseFolder(what: string, version: string, options: PushCommandOptions): Promise<string> {
  if (existsSync(join(what, SUMS_FILE))) return what;
  const store = openTemplateStore({ root: join(options.output, 'templates') });
  const template = await findReleasable(what, options, store);
  const existing = join(
    options.output,
    'releases',
    releaseBaseName(template.manifest.recipe, version, template.manifest.arch),
  );
  if (existsSync(existing)) {
    const manifest = JSON.parse(await readFile(join(existing, 'manifest.json'), 'utf8')) as {
      template?: { key?: string };
    };
    if (manifest.template?.key === template.key) return existing;
    throw new TnbuildError(
      'TNB604',
      `${existing} is a release ${version} of another template than ${template.name}`,
      {
        hint: 'Push another tag, or remove that release folder first.',
      },
    );
  }
  await release(what, { ...options, version });
  return existing;
}
