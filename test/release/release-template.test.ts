import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFileWithSize } from '../../release/hashing-counter.ts';
import { type ReleaseResult, releaseManifestSchema, releaseTemplate } from '../../release/index.ts';
import type { ReleaseProgressEvent } from '../../release/release-progress.ts';
import type { Template } from '../../templates/index.ts';
import { makeKey, makeStoredTemplate, makeTempDir } from './helpers/release-fixtures.ts';

let root: string;
let template: Template;
let key: { key: string; pub: string };
let release: ReleaseResult;
const progress: ReleaseProgressEvent[] = [];

beforeAll(async () => {
  root = await makeTempDir();
  ({ template } = await makeStoredTemplate(root));
  key = await makeKey(root, 'publisher');
  release = await releaseTemplate({
    template,
    version: '1.0.0',
    key: key.key,
    outDir: join(root, 'output', 'releases'),
    now: () => new Date('2025-02-03T04:05:06.789Z'),
    onProgress: (event) => progress.push(event),
  });
}, 120_000);

afterAll(async () => {
  await execa('rm', ['-rf', root]);
});

describe('releaseTemplate', () => {
  it('writes <name>-<version>-<arch>/ with the image, manifest, SBOM, SHA256SUMS and its signature, and no scratch folder', async () => {
    expect(release.dir).toBe(join(root, 'output', 'releases', 'node-1.0.0-x86_64'));
    expect((await readdir(release.dir)).sort()).toEqual([
      'SHA256SUMS',
      'SHA256SUMS.sig',
      'manifest.json',
      'node-1.0.0-x86_64.qcow2.zst',
      'node-1.0.0-x86_64.spdx.json',
    ]);
    expect(await readdir(join(root, 'output', 'releases'))).toEqual(['node-1.0.0-x86_64']);
  });

  it('writes a SHA256SUMS that the real `sha256sum -c` accepts in the folder', async () => {
    const result = await execa('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: release.dir });
    expect(result.stdout.split('\n').sort()).toEqual([
      'manifest.json: OK',
      'node-1.0.0-x86_64.qcow2.zst: OK',
      'node-1.0.0-x86_64.spdx.json: OK',
    ]);
  });

  it('signs SHA256SUMS so the stock `ssh-keygen -Y verify` accepts it with an allowed_signers line', async () => {
    const publicKey = (await readFile(key.pub, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    const allowed = join(root, 'allowed_signers');
    await writeFile(allowed, `releases@example.org namespaces="tnbuild-release" ${publicKey}\n`);
    const result = await execa(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        allowed,
        '-I',
        'releases@example.org',
        '-n',
        'tnbuild-release',
        '-s',
        'SHA256SUMS.sig',
      ],
      { cwd: release.dir, inputFile: join(release.dir, 'SHA256SUMS') },
    );
    expect(result.stdout).toContain('Good "tnbuild-release" signature for releases@example.org');
  });

  it('compresses with zstd so the stock `zstd -d` gives back the template disk byte for byte', async () => {
    const unpacked = join(root, 'unpacked.qcow2');
    await execa('zstd', ['-q', '-d', join(release.dir, 'node-1.0.0-x86_64.qcow2.zst'), '-o', unpacked]);
    const original = await hashFileWithSize(template.disk);
    const back = await hashFileWithSize(unpacked);
    expect(back).toEqual(original);
    expect(release.manifest.image.qcow2).toEqual({
      size: original.bytes,
      sha256: original.sha256,
      virtualSize: 32 * 1024 ** 2,
    });
    expect(release.manifest.image.size).toBeLessThan(original.bytes / 2);
  });

  it('writes a manifest holding the template manifest, the version, sizes, the signer and a reproducibility statement', async () => {
    const manifest = releaseManifestSchema.parse(
      JSON.parse(await readFile(join(release.dir, 'manifest.json'), 'utf8')),
    );
    expect(manifest).toEqual(release.manifest);
    expect(manifest.template).toEqual(template.manifest);
    expect(manifest).toMatchObject({
      name: 'node',
      version: '1.0.0',
      arch: 'x86_64',
      releasedAt: '2025-02-03T04:05:06.789Z',
    });
    expect(manifest.image).toMatchObject({ file: 'node-1.0.0-x86_64.qcow2.zst', compression: 'zstd' });
    expect(manifest.sbom).toMatchObject({
      file: 'node-1.0.0-x86_64.spdx.json',
      format: 'SPDX-2.3',
      packages: 3,
    });
    expect(manifest.signature.publicKey).toBe((await readFile(key.pub, 'utf8')).trim());
    expect(manifest.signature.fingerprint).toMatch(/^SHA256:/);
    expect(manifest.reproducibility.inputs).toEqual([
      {
        recipe: 'node',
        name: 'iso',
        url: 'https://example.invalid/debian-12.iso',
        checksum: `sha256:${'cd'.repeat(32)}`,
        pinnedBy: 'recipe',
      },
      {
        recipe: 'node',
        name: 'installer answer',
        checksum: `sha256:${'ef'.repeat(32)}`,
        pinnedBy: 'content',
      },
    ]);
    expect(manifest.reproducibility.tools.compressor).toMatch(/^zstd \d+\.\d+\.\d+ -19 --long=27$/);
    expect(manifest.reproducibility.statement).toContain('All 2 input(s) are listed with their checksum.');
  });

  it('writes the SBOM as SPDX 2.3 JSON, with a purl per installed package, and lists it in SHA256SUMS', async () => {
    const sbom = JSON.parse(await readFile(join(release.dir, 'node-1.0.0-x86_64.spdx.json'), 'utf8'));
    expect(sbom).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
    });
    expect(sbom.creationInfo.created).toBe('2025-02-03T04:05:06Z');
    const purls = sbom.packages.flatMap((pkg: { externalRefs?: { referenceLocator: string }[] }) =>
      (pkg.externalRefs ?? []).map((ref) => ref.referenceLocator),
    );
    expect(purls).toEqual([
      'pkg:deb/debian/base-files@12.4%2Bdeb12u6?arch=amd64&distro=debian-12',
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12',
      'pkg:deb/debian/openssh-server@1%3A9.2p1-2%2Bdeb12u3?arch=amd64&distro=debian-12',
    ]);
    expect(await readFile(join(release.dir, 'SHA256SUMS'), 'utf8')).toContain(
      '  node-1.0.0-x86_64.spdx.json\n',
    );
  });

  it('reports compression progress ending in one done event', () => {
    const compress = progress.filter((event) => event.stage === 'compress');
    expect(compress.length).toBeGreaterThan(0);
    expect(compress.at(-1)).toMatchObject({
      done: true,
      fileName: 'node-1.0.0-x86_64.qcow2.zst',
      received: release.manifest.image.qcow2.size,
    });
  });

  it('refuses to overwrite a release (TNB604), leaving it as it was', async () => {
    const sums = await readFile(join(release.dir, 'SHA256SUMS'), 'utf8');
    await expect(
      releaseTemplate({
        template: template.dir,
        version: '1.0.0',
        key: key.key,
        outDir: join(root, 'output', 'releases'),
      }),
    ).rejects.toMatchObject({ code: 'TNB604' });
    expect(await readFile(join(release.dir, 'SHA256SUMS'), 'utf8')).toBe(sums);
  });

  it('accepts the template as its manifest.json path and writes xz and qcow2-internal releases', async () => {
    for (const compression of ['xz', 'qcow2'] as const) {
      const other = await releaseTemplate({
        template: join(template.dir, 'manifest.json'),
        version: `1.0.0-${compression}`,
        key: key.key,
        compression,
        outDir: join(root, 'output', 'releases'),
      });
      await execa('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: other.dir });
      expect(other.manifest.image.file).toBe(
        `node-1.0.0-${compression}-x86_64.${compression === 'xz' ? 'qcow2.xz' : 'qcow2'}`,
      );
    }
    const info = await execa('qemu-img', [
      'info',
      '--output=json',
      join(root, 'output', 'releases', 'node-1.0.0-qcow2-x86_64', 'node-1.0.0-qcow2-x86_64.qcow2'),
    ]);
    expect(JSON.parse(info.stdout)['format-specific'].data['compression-type']).toBe('zstd');
  });

  it('leaves nothing behind when aborted while compressing', async () => {
    const outDir = join(root, 'aborted');
    const controller = new AbortController();
    await expect(
      releaseTemplate({
        template,
        version: '9.9.9',
        key: key.key,
        outDir,
        signal: controller.signal,
        onProgress: () => controller.abort(new Error('stopped by the test')),
      }),
    ).rejects.toThrow('stopped by the test');
    expect(await readdir(outDir)).toEqual([]);
  });
});
