import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { formatBytes } from '../artifacts/format-units.ts';
import { parseOciReference, pullRelease, pushRelease, releaseTemplate } from '../release/index.ts';
import { openTemplateStore } from '../templates/index.ts';
import { startRegistry, type TestRegistry } from '../test/helpers/oci-registry.ts';
import { makeKey, makeStoredTemplate } from '../test/release/helpers/release-fixtures.ts';

const DISK_MIB = 192;

/**
 * A template through a real registry (distribution 2.8 on 127.0.0.1), side by side with `skopeo copy` of the very
 * same blobs and manifest (an OCI layout made from the release folder) to a registry of its own: push, pull, and
 * the bytes a second push of the unchanged template sends (goal: only the manifest).
 */
export async function benchRegistry(print: (line: string) => void = console.log): Promise<void> {
  const root = join(tmpdir(), `tnbuild-bench-registry-${process.pid}`);
  await mkdir(root, { recursive: true });
  const registries: TestRegistry[] = [];
  const fresh = async () => {
    registries.push(await startRegistry());
    return registries.at(-1)!;
  };
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  try {
    const { template } = await makeStoredTemplate(join(root, 'build'), { randomMiB: DISK_MIB });
    const key = await makeKey(root, 'bench');
    const release = await releaseTemplate({
      template,
      version: '1.0.0',
      key: key.key,
      outDir: join(root, 'releases'),
    });
    print(
      `template: ${formatBytes(release.manifest.image.size)} image (zstd of a ${DISK_MIB + 32} MiB disk with ${DISK_MIB} MiB of random data)`,
    );

    // Two rounds, each tool to a registry of its own; the second round's figures (warm page cache) are printed.
    let times = { push: 0, skopeoPush: 0 };
    let ours!: TestRegistry;
    let theirs!: TestRegistry;
    let pinned = '';
    for (let round = 0; round < 2; round++) {
      ours = await fresh();
      theirs = await fresh();
      let started = performance.now();
      const pushed = await pushRelease({
        dir: release.dir,
        reference: parseOciReference(`${ours.address}/bench/node:1.0.0`),
        registry: { plainHttp: true },
      });
      const push = performance.now() - started;
      pinned = pushed.pinned;
      const layout = await ociLayoutOf(
        release.dir,
        ours.address,
        pushed.digest,
        join(root, `layout-${round}`),
      );
      started = performance.now();
      await execa('skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci:${layout}:1.0.0`,
        `docker://${theirs.address}/bench/node:1.0.0`,
      ]);
      times = { push, skopeoPush: performance.now() - started };
    }
    print(
      `push:  tnbuild ${seconds(times.push)}, skopeo copy ${seconds(times.skopeoPush)}  (${(times.push / times.skopeoPush).toFixed(2)}×)`,
    );

    let started = performance.now();
    await pullRelease({
      source: pinned,
      registry: { plainHttp: true },
      trustedKeys: key.pub,
      store: openTemplateStore({ root: join(root, 'pulled', 'templates') }),
      fetch: { cacheDir: join(root, 'pull-cache') },
    });
    const pull = performance.now() - started;
    started = performance.now();
    await execa('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${theirs.address}/bench/node:1.0.0`,
      `oci:${join(root, 'skopeo-pulled')}:1.0.0`,
    ]);
    const skopeoPull = performance.now() - started;
    print(
      `pull:  tnbuild ${seconds(pull)} (download, signature, SHA256SUMS, unpack, import), skopeo copy ${seconds(skopeoPull)} (download only)  (${(pull / skopeoPull).toFixed(2)}×)`,
    );

    const again = await pushRelease({
      dir: release.dir,
      reference: parseOciReference(`${ours.address}/bench/node:1.0.0`),
      registry: { plainHttp: true },
    });
    print(
      `second push of the unchanged template: ${again.sentBytes} blob bytes sent   goal: 0 (the manifest only)`,
    );
  } finally {
    for (const registry of registries) await registry.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** The pushed artifact as an OCI image layout, so skopeo copies exactly the same manifest and blobs. */
async function ociLayoutOf(
  releaseDir: string,
  registry: string,
  digest: string,
  dir: string,
): Promise<string> {
  const manifest = (
    await execa('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry}/bench/node@${digest}`,
    ])
  ).stdout;
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const parsed = JSON.parse(manifest) as {
    config: { digest: string };
    layers: { digest: string; annotations: Record<string, string> }[];
  };
  await writeFile(
    join(blobs, parsed.config.digest.slice(7)),
    await readFile(join(releaseDir, 'manifest.json')),
  );
  for (const layer of parsed.layers) {
    await writeFile(
      join(blobs, layer.digest.slice(7)),
      await readFile(join(releaseDir, layer.annotations['org.opencontainers.image.title']!)),
    );
  }
  await writeFile(join(blobs, digest.slice(7)), manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest,
          size: Buffer.byteLength(manifest),
          annotations: { 'org.opencontainers.image.ref.name': '1.0.0' },
        },
      ],
    }),
  );
  return dir;
}
