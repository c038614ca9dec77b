import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { buildOciImage } from './helpers/oci-image.ts';
import './helpers/guest-fixture.ts';

// The product through its CLI, as a user runs it, on the offline Debian guest under TCG: build a base layer from
// the installer ISO and the registry role on top of it (real apt from Debian's mirror), reuse both from the cache
// without starting QEMU, clone the registry into ~/vms, push and pull a real image through the forwarded port.
const fixture = inject('guestFixture');
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-cli-'));
const home = join(work, 'home');
const shims = join(work, 'shims');
const qemuCalls = join(work, 'qemu-calls.log');
const env = {
  HOME: home,
  CI: 'true',
  TNBUILD_E2E_GUEST: fixture.dir,
  TNBUILD_CACHE: join(work, 'cache'),
  TNBUILD_VMS_DIR: join(home, 'vms'),
};
const common = ['--recipes', join(REPO, 'test/e2e/recipes'), '--output', join(work, 'output'), '--arch', 'x86_64'];

async function tnbuild(args: string[], extraEnv: Record<string, string> = {}) {
  // Flags go before a `--` (what follows it is the command `vm ssh` runs in the guest).
  const split = args.indexOf('--');
  const argv = split < 0 ? [...args, ...common] : [...args.slice(0, split), ...common, ...args.slice(split)];
  const result = await execa(join(REPO, 'bin/tnbuild.js'), argv, { cwd: REPO, env: { ...env, ...extraEnv }, reject: false, all: true, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, out: String(result.all ?? '') };
}

/** A PATH whose qemu-system-x86_64 and qemu-img log each call before running the real ones. */
function pathWithQemuSpies(): string {
  mkdirSync(shims, { recursive: true });
  for (const tool of ['qemu-system-x86_64', 'qemu-img']) {
    const real = execaSyncWhich(tool);
    writeFileSync(join(shims, tool), `#!/bin/sh\necho "${tool} $*" >> '${qemuCalls}'\nexec '${real}' "$@"\n`);
    chmodSync(join(shims, tool), 0o755);
  }
  return `${shims}:${process.env.PATH}`;
}

function execaSyncWhich(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  throw new Error(`${tool} is not on PATH`);
}

// Each test builds on the one before; after a failure the rest fail at once instead of rebuilding for minutes.
let failed: string | undefined;
function requirePrevious(): void {
  if (failed) throw new Error(`skipped: an earlier step failed (${failed})`);
}
function step(name: string, body: () => Promise<void>) {
  it(name, async () => {
    requirePrevious();
    try {
      await body();
    } catch (error) {
      failed = name;
      throw error;
    }
  });
}

async function sshGuest(command: string): Promise<{ exitCode: number; out: string }> {
  return tnbuild(['vm', 'ssh', 'trustnet-registry', '--', 'sh', '-c', command]);
}

describe('tnbuild on the offline Debian guest (TCG, real apt)', () => {
  beforeAll(() => mkdirSync(home, { recursive: true }));
  afterAll(async () => {
    await tnbuild(['vm', 'destroy', 'trustnet-registry', '--force']);
  });

  step('builds base → registry: ISO install, real apt, checks, seal; both templates stored with manifests', async () => {
    const result = await tnbuild(['recipe', 'registry']);
    expect(result.exitCode, result.out).toBe(0);
    expect(result.out).toMatch(/registry: \[changed\] packages: docker-registry nginx-light wget/);
    expect(result.out).toMatch(/registry: checks done/);
    expect(result.out).toMatch(/built guest, registry/);
    const templates = readdirSync(join(work, 'output/templates')).filter((name) => !name.startsWith('.'));
    expect(templates.sort()).toEqual([expect.stringMatching(/^guest-x86_64-/), expect.stringMatching(/^registry-x86_64-/)]);
    const registryDir = join(work, 'output/templates', templates.find((name) => name.startsWith('registry'))!);
    const manifest = JSON.parse(readFileSync(join(registryDir, 'manifest.json'), 'utf8'));
    expect(manifest.packages).toEqual(expect.arrayContaining([expect.stringMatching(/^docker-registry 2\.8/), expect.stringMatching(/^nginx-light /)]));
    expect(manifest.parentKey).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(work, 'output/logs'))).toBe(true);
  });

  step('a second build is a cache hit: no QEMU, no qemu-img started', async () => {
    const result = await tnbuild(['recipe', 'registry'], { PATH: pathWithQemuSpies() });
    expect(result.exitCode, result.out).toBe(0);
    expect(result.out).toContain('cache hit: nothing changed, no VM started');
    expect(existsSync(qemuCalls) ? readFileSync(qemuCalls, 'utf8') : '').toBe('');
  });

  step('clones the registry into ~/vms, boots it with its own identity, and serves /health and a real image push/pull', async () => {
    const created = await tnbuild(['vm', 'create', 'registry']);
    expect(created.exitCode, created.out).toBe(0);
    expect(created.out).toMatch(/created trustnet-registry \(linked clone of registry-x86_64-/);
    const started = await tnbuild(['vm', 'start', 'trustnet-registry']);
    expect(started.exitCode, started.out).toBe(0);

    let ssh = { exitCode: -1, out: '' };
    for (let attempt = 0; attempt < 120 && ssh.exitCode !== 0; attempt++) {
      ssh = await sshGuest('hostname; id -un; ip -6 addr show dev eth1; sysctl -n net.core.somaxconn');
      if (ssh.exitCode !== 0) await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    expect(ssh.exitCode, ssh.out).toBe(0);
    expect(ssh.out).toContain('trustnet-registry');
    expect(ssh.out).toContain('keeper');
    expect(ssh.out).toContain('fd10:1234::2/64');
    expect(ssh.out).toMatch(/^1024$/m);

    let health = 0;
    for (let attempt = 0; attempt < 60 && health !== 200; attempt++) {
      health = await fetch('http://127.0.0.1:18000/health').then((response) => response.status, () => 0);
      if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(health).toBe(200);

    const image = await buildOciImage(join(work, 'oci'));
    const skopeo = (args: string[]) => execa('skopeo', args, { env: { ...process.env, HOME: home } });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, 'docker://127.0.0.1:18000/trustnet/hello:v1']);
    const inspected = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', 'docker://127.0.0.1:18000/trustnet/hello:v1'])).stdout);
    expect(inspected.layers[0].digest).toBe(image.layerDigest);
    await skopeo(['copy', '--src-tls-verify=false', 'docker://127.0.0.1:18000/trustnet/hello:v1', `oci:${join(work, 'pulled')}:v1`]);
    const pulledIndex = JSON.parse(readFileSync(join(work, 'pulled/index.json'), 'utf8'));
    expect(pulledIndex.manifests[0].digest).toBe(image.manifestDigest);
  });

  step('refuses to remove a template a clone uses; stop is graceful; destroying the clone keeps the template', async () => {
    const list = await tnbuild(['templates', 'list']);
    const registryTemplate = /^(registry-x86_64-[0-9a-f]{12})/m.exec(list.out)?.[1];
    expect(registryTemplate, list.out).toBeDefined();
    const refused = await tnbuild(['templates', 'rm', registryTemplate!]);
    expect(refused.exitCode).toBe(2);
    expect(refused.out).toMatch(/TNB501/);
    const stopped = await tnbuild(['vm', 'stop', 'trustnet-registry']);
    expect(stopped.exitCode, stopped.out).toBe(0);
    expect(stopped.out).toMatch(/stopped trustnet-registry \(acpi/);
    const destroyed = await tnbuild(['vm', 'destroy', 'trustnet-registry']);
    expect(destroyed.exitCode, destroyed.out).toBe(0);
    expect((await tnbuild(['templates', 'list'])).out).toContain(registryTemplate!);
  });
});
