import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { qemuBinaryFor } from '../builders/index.ts';
import {
  type CommitTemplateInput,
  compactDisk,
  readBuildVersions,
  recipeInputs,
} from '../templates/index.ts';
import { type LayerContext, runStage } from './layer-context.ts';

/**
 * The `store` stage: the sealed guest powered off, its disk → a standalone, compacted qcow2 next to the store (so
 * committing it is a rename), plus everything the template's manifest records. The stage's line gives both times.
 */
export async function describeTemplate(
  context: LayerContext,
  built: {
    readonly disk: string;
    readonly packages: readonly string[];
    readonly started: number;
    /** Waits for the sealed guest's power-off (QEMU gone, the disk closed). */
    readonly powerOff: () => Promise<unknown>;
  },
): Promise<CommitTemplateInput> {
  const times: string[] = [];
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await work();
    times.push(`${label} ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return result;
  };
  return runStage(
    context,
    'store',
    async () => {
      await timed('power-off', built.powerOff);
      return timed('convert', () => describeDisk(context, built));
    },
    () => times.join(', '),
  );
}

async function describeDisk(
  context: LayerContext,
  built: { readonly disk: string; readonly packages: readonly string[]; readonly started: number },
): Promise<CommitTemplateInput> {
  const { layer, store } = context;
  // A `.tmp-<name>-<pid>-<rand>` folder: the store clears it when this process dies before committing.
  const work = join(
    store.root,
    `.tmp-compact-${layer.recipe}-${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  await mkdir(work, { recursive: true });
  const disk = join(work, 'disk.qcow2');
  // The caller removes this folder once the disk is committed; until this returns, nothing else knows of it.
  try {
    await compactDisk(context.runner, built.disk, disk, {
      compress: layer.seal.compress,
      roomIn: store.root,
    });
    return describeInput(
      context,
      built,
      disk,
      await readBuildVersions(context.runner, qemuBinaryFor(layer.arch)),
    );
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

function describeInput(
  context: LayerContext,
  built: { readonly packages: readonly string[]; readonly started: number },
  disk: string,
  versions: CommitTemplateInput['versions'],
): CommitTemplateInput {
  const { layer, recipe } = context;
  return {
    recipe: layer.recipe,
    key: layer.key,
    parentKey: layer.source.type === 'parent' ? layer.source.key : null,
    arch: layer.arch,
    os: { family: layer.os.family, release: layer.os.release },
    disk,
    compressed: layer.seal.compress,
    inputs: recipeInputs(recipe, layer.arch),
    packages: [...built.packages],
    sshUser: recipe.vm.user,
    vm: { name: recipe.vm.name, firstBoot: [...recipe.vm.firstBoot] },
    ports: recipe.ports.map((port) => ({ ...port })),
    ...(recipe.network && { network: { ...recipe.network } }),
    machine: { cpus: recipe.machine.cpus, memoryBytes: recipe.machine.memoryBytes },
    builtAt: new Date(),
    buildMs: Date.now() - built.started,
    versions,
  };
}
