import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { pathInside } from '../host/path-inside.ts';
import {
  commitTemplate,
  findTemplate,
  readQcow2Header,
  type Template,
  type TemplateManifest,
  type TemplateStore,
  withTemplateLock,
} from '../templates/index.ts';
import { removeReadOnlyDir } from '../templates/template-store.ts';
import { codecFor } from './codec-for.ts';
import { OverLimitError } from './hashing-counter.ts';
import type { ReleaseManifest } from './release-manifest.ts';
import { createStageMeter, type ReleaseProgressListener } from './release-progress.ts';

export interface ImportOptions {
  readonly runner: CommandRunner;
  /** Recorded in the stored template's manifest, for `templates list`. */
  readonly origin?: TemplateManifest['origin'];
  readonly onProgress?: ReleaseProgressListener;
  readonly signal?: AbortSignal;
}

/**
 * Unpacks a verified release image into the store as the template its manifest describes, under the template lock.
 * The unpacked qcow2 is hashed on the way and must be the one the signed manifest names; the store's own commit makes
 * it appear whole or not at all. Returns the template already stored under that key, if there is one.
 */
export async function importReleaseDisk(
  store: TemplateStore,
  manifest: ReleaseManifest,
  imagePath: string,
  options: ImportOptions,
): Promise<{ template: Template; alreadyStored: boolean }> {
  const key = manifest.template.key;
  return withTemplateLock(
    store,
    key,
    async () => {
      const stored = await findTemplate(store, key);
      if (stored) return { template: stored, alreadyStored: true };
      // Named like commitTemplate's own scratch folders, so a crash leaves something removeAbandonedTmpDirs clears.
      const work = pathInside(
        store.root,
        `.tmp-pull-${manifest.name}-${process.pid}-${randomBytes(3).toString('hex')}`,
      );
      await mkdir(work);
      try {
        const disk = join(work, 'disk.qcow2');
        const meter = createStageMeter(
          'unpack',
          { url: imagePath, fileName: manifest.image.file },
          options.onProgress,
        );
        const unpacked = await codecFor(manifest.image.compression, options.runner)
          .unpack(imagePath, disk, {
            onInput: (bytes) => meter.update(bytes, manifest.image.size),
            maxOutputBytes: manifest.image.qcow2.size,
            ...(options.signal && { signal: options.signal }),
          })
          .catch((error: unknown) => {
            if (!(error instanceof OverLimitError)) throw error;
            throw new TnbuildError(
              'TNB606',
              `${manifest.image.file} unpacks to more than the ${manifest.image.qcow2.size} bytes its manifest declares; unpacking was stopped and nothing was imported`,
            );
          });
        meter.finish(unpacked.inputBytes);
        assertUnpacked(manifest, unpacked.inputSha256, unpacked.outputSha256);
        const header = await readQcow2Header(disk);
        if (header.backingFile !== undefined || header.virtualSize !== manifest.image.qcow2.virtualSize) {
          throw new TnbuildError(
            'TNB600',
            `${manifest.image.file} does not unpack to the standalone qcow2 its manifest describes`,
          );
        }
        const t = manifest.template;
        const template = await commitTemplate(
          store,
          {
            recipe: t.recipe,
            key: t.key,
            parentKey: t.parentKey,
            arch: t.arch,
            os: t.os,
            disk,
            compressed: t.disk.compressed || manifest.image.compression === 'qcow2',
            inputs: t.inputs,
            packages: t.packages,
            sshUser: t.sshUser,
            vm: t.vm,
            ports: t.ports,
            ...(t.network && { network: t.network }),
            machine: t.machine,
            builtAt: new Date(t.builtAt),
            buildMs: t.buildMs,
            versions: t.versions,
            ...(options.origin && { origin: options.origin }),
          },
          options.signal ? { signal: options.signal } : {},
        );
        return { template, alreadyStored: false };
      } finally {
        await removeReadOnlyDir(work);
      }
    },
    options.signal ? { signal: options.signal } : {},
  );
}

function assertUnpacked(manifest: ReleaseManifest, readSha256: string, wroteSha256: string): void {
  // The image was verified a moment ago; a difference now means it changed underneath us (a local folder).
  if (readSha256 !== manifest.image.sha256) {
    throw new TnbuildError(
      'TNB600',
      `${manifest.image.file} changed while it was being unpacked; nothing was imported`,
    );
  }
  if (wroteSha256 !== manifest.image.qcow2.sha256) {
    throw new TnbuildError(
      'TNB600',
      `${manifest.image.file} unpacks to a qcow2 whose sha256 is not the one in the signed manifest`,
      {
        details: [`expected ${manifest.image.qcow2.sha256}`, `actual   ${wroteSha256}`],
      },
    );
  }
}
