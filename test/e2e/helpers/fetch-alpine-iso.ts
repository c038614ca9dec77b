import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../../../builders/machine-spec.ts';

const RELEASES = 'https://dl-cdn.alpinelinux.org/alpine/v3.22/releases';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `file` and `sha256` of the alpine-virt entry in a release's latest-releases.yaml. */
export function findVirtRelease(yaml: string): { file: string; sha256: string } {
  for (const entry of yaml.split(/^-/m)) {
    if (!/^\s*flavor:\s*alpine-virt\s*$/m.test(entry)) continue;
    const file = /^\s*file:\s*(\S+)\s*$/m.exec(entry)?.[1];
    const sha256 = /^\s*sha256:\s*([0-9a-f]{64})\s*$/m.exec(entry)?.[1];
    if (file && sha256) return { file, sha256 };
  }
  throw new Error('latest-releases.yaml has no alpine-virt entry');
}

/**
 * The newest Alpine 3.22 alpine-virt ISO for `arch`, downloaded once into the test cache and checked against the
 * sha256 the release index publishes. Simple on purpose: the real artifact cache lives elsewhere.
 */
export async function fetchAlpineIso(arch: Arch): Promise<string> {
  const cache = join(process.env.TNBUILD_TEST_CACHE ?? join(homedir(), '.cache/tnbuild-test'), 'alpine');
  await mkdir(cache, { recursive: true });
  const index = await fetch(`${RELEASES}/${arch}/latest-releases.yaml`);
  if (!index.ok) throw new Error(`Alpine release index: HTTP ${index.status}`);
  const { file, sha256 } = findVirtRelease(await index.text());
  const path = join(cache, file);
  if (existsSync(path) && (await sha256Of(path)) === sha256) return path;
  const response = await fetch(`${RELEASES}/${arch}/${file}`);
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  await writeFile(`${path}.part`, Buffer.from(await response.arrayBuffer()));
  const actual = await sha256Of(`${path}.part`);
  if (actual !== sha256) throw new Error(`${file}: sha256 ${actual}, expected ${sha256}`);
  await rename(`${path}.part`, path);
  return path;
}
