import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli, whenBooted } from '../helpers/run-cli.ts';
import { buildOciImage } from './helpers/oci-image.ts';
import './helpers/guest-fixture.ts';

// The product through its CLI, as a user runs it, on the offline Debian guest under TCG: build a base layer from
// the installer ISO and the registry role on top of it (real apt from Debian's mirror), reuse both from the cache
// without starting QEMU, release it signed, pull the release on "another machine" (an empty HOME and store),
// clone it into ~/vms there, push and pull a real image through the forwarded port; push tnbuild's own release to
// that registry VM and boot a clone on a third machine from what it pulls back.
const fixture = inject('guestFixture');
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-cli-'));
const home = join(work, 'home');
const shims = join(work, 'shims');
const qemuCalls = join(work, 'qemu-calls.log');
const env = isolatedEnv(work, { TNBUILD_E2E_GUEST: fixture.dir });
const recipeFlags = ['--recipes', join(REPO, 'test/e2e/recipes'), '--arch', 'x86_64'];
const common = [...recipeFlags, '--output', join(work, 'output')];
// Another machine: an empty HOME and template store that only get the registry through a signed release.
const elsewhere = join(work, 'elsewhere');
const elsewhereEnv = {
  ...env,
  HOME: join(elsewhere, 'home'),
  TNBUILD_VMS_DIR: join(elsewhere, 'home/vms'),
  TNBUILD_CACHE: join(elsewhere, 'cache'),
};
const elsewhereFlags = [...recipeFlags, '--output', join(elsewhere, 'output')];
// A third machine, which gets the registry template only from the registry VM.
const third = {
  HOME: join(elsewhere, 'third-home'),
  TNBUILD_CACHE: join(elsewhere, 'third-cache'),
  TNBUILD_VMS_DIR: join(elsewhere, 'third-home/vms'),
};
const thirdFlags = [...recipeFlags, '--output', join(elsewhere, 'third-output')];

function tnbuild(args: string[], extraEnv: Record<string, string> = {}, flags = common) {
  return runCli(args, { ...env, ...extraEnv }, flags);
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
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
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

/** The registry clone's /health through its forward, once it answers 200 (or the last status after 2 minutes). */
async function registryHealth(): Promise<number> {
  let health = 0;
  for (let attempt = 0; attempt < 60 && health !== 200; attempt++) {
    health = await fetch('http://127.0.0.1:18000/health').then(
      (response) => response.status,
      () => 0,
    );
    if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return health;
}

/** tnbuild as run on the other machine. */
function tnbuildElsewhere(args: string[]) {
  return tnbuild(args, elsewhereEnv, elsewhereFlags);
}

async function sshGuest(command: string): Promise<{ exitCode: number; out: string }> {
  return tnbuildElsewhere(['vm', 'ssh', 'trustnet-registry', '--', 'sh', '-c', command]);
}

describe('tnbuild on the offline Debian guest (TCG, real apt)', () => {
  beforeAll(() => {
    mkdirSync(home, { recursive: true });
    mkdirSync(join(elsewhere, 'home'), { recursive: true });
  });
  afterAll(async () => {
    await tnbuildElsewhere(['vm', 'destroy', 'trustnet-registry', '--force']);
    await tnbuild(['vm', 'destroy', 'trustnet-registry', '--force'], third, thirdFlags);
  });

  step(
    'builds base → registry: ISO install, real apt, checks, seal; both templates stored with manifests',
    async () => {
      const result = await tnbuild(['recipe', 'registry']);
      expect(result.exitCode, result.out).toBe(0);
      expect(result.out).toMatch(/registry: \[changed\] packages: docker-registry nginx-light wget/);
      expect(result.out).toMatch(/registry: checks done/);
      expect(result.out).toMatch(/built guest, registry/);
      const templates = readdirSync(join(work, 'output/templates')).filter((name) => !name.startsWith('.'));
      expect(templates.sort()).toEqual([
        expect.stringMatching(/^guest-x86_64-/),
        expect.stringMatching(/^registry-x86_64-/),
      ]);
      const registryDir = join(
        work,
        'output/templates',
        templates.find((name) => name.startsWith('registry'))!,
      );
      const manifest = JSON.parse(readFileSync(join(registryDir, 'manifest.json'), 'utf8'));
      expect(manifest.packages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^docker-registry 2\.8/),
          expect.stringMatching(/^nginx-light /),
        ]),
      );
      expect(manifest.parentKey).toMatch(/^[0-9a-f]{64}$/);
      expect(existsSync(join(work, 'output/logs'))).toBe(true);
    },
  );

  step('a second build is a cache hit: no QEMU, no qemu-img started', async () => {
    const result = await tnbuild(['recipe', 'registry'], { PATH: pathWithQemuSpies() });
    expect(result.exitCode, result.out).toBe(0);
    expect(result.out).toContain('cache hit: nothing changed, no VM started');
    expect(existsSync(qemuCalls) ? readFileSync(qemuCalls, 'utf8') : '').toBe('');
  });

  step(
    'install makes and starts both clones side by side; --replace stops the running ones and recreates them',
    async () => {
      const names = ['trustnet-guest', 'trustnet-registry'];
      const sshBoth = () =>
        Promise.all(
          names.map((name) => whenBooted(() => tnbuild(['vm', 'ssh', name, '--', 'cat', '/etc/machine-id']))),
        );
      try {
        const installed = await tnbuild(['install', 'guest', 'registry']);
        expect(installed.exitCode, installed.out).toBe(0);
        for (const name of names) expect(installed.out).toMatch(new RegExp(`started ${name} \\(pid \\d+\\)`));
        const first = await sshBoth();
        for (const ssh of first) expect(ssh.exitCode, ssh.out).toBe(0);

        const kept = await tnbuild(['install', 'guest', 'registry']);
        expect(kept.exitCode, kept.out).toBe(0);
        expect(kept.out).toContain('trustnet-registry exists; kept it');

        const replaced = await tnbuild(['install', 'guest', 'registry', '--replace']);
        expect(replaced.exitCode, replaced.out).toBe(0);
        for (const name of names) {
          expect(replaced.out).toMatch(new RegExp(`stopped ${name} to replace it \\(acpi`));
          expect(replaced.out).toMatch(new RegExp(`started ${name} \\(pid \\d+\\)`));
        }
        // Recreated: a new identity on each.
        const second = await sshBoth();
        for (const [index, ssh] of second.entries()) {
          expect(ssh.exitCode, ssh.out).toBe(0);
          expect(ssh.out.trim()).not.toBe(first[index]!.out.trim());
        }
      } finally {
        for (const name of names) await tnbuild(['vm', 'destroy', name, '--force']);
      }
    },
  );

  step(
    'check mode boots the stored registry template and finds it converged: every step ok, changed=0',
    async () => {
      const result = await tnbuild(['recipe', 'registry', '--check', '--diff']);
      expect(result.exitCode, result.out).toBe(0);
      expect(result.out).toMatch(/check registry against its current template registry-x86_64-/);
      expect(result.out).toMatch(/ok=\d+ changed=0 failed=0/);
      expect(result.out).toMatch(/registry: \[ok\] packages: docker-registry nginx-light wget/);
    },
  );

  step(
    'releases the registry template: sha256sum -c and ssh-keygen -Y verify accept it; another machine pulls it',
    async () => {
      const key = join(work, 'release-key');
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'releases@trustnet', '-f', key]);
      const released = await tnbuild(['release', 'registry', '--key', key, '--version', '1.0.0']);
      expect(released.exitCode, released.out).toBe(0);
      const folder = join(work, 'output/releases/registry-1.0.0-x86_64');
      const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder });
      expect(sums.stdout).toMatch(/registry-1\.0\.0-x86_64\.qcow2\.zst: OK/);
      const publicKey = readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
      writeFileSync(
        join(work, 'allowed_signers'),
        `releases@trustnet namespaces="tnbuild-release" ${publicKey}\n`,
      );
      const verified = await execa(
        'ssh-keygen',
        [
          '-Y',
          'verify',
          '-f',
          join(work, 'allowed_signers'),
          '-I',
          'releases@trustnet',
          '-n',
          'tnbuild-release',
          '-s',
          'SHA256SUMS.sig',
        ],
        {
          cwd: folder,
          input: readFileSync(join(folder, 'SHA256SUMS')),
        },
      );
      expect(verified.stdout).toContain('Good "tnbuild-release" signature for releases@trustnet');

      const pulled = await tnbuildElsewhere([
        'pull',
        folder,
        '--trusted-keys',
        join(work, 'allowed_signers'),
      ]);
      expect(pulled.exitCode, pulled.out).toBe(0);
      expect(pulled.out).toMatch(/imported as template registry-x86_64-/);
    },
  );

  step(
    'clones the pulled registry into ~/vms, boots it with its own identity, and serves /health and a real image push/pull',
    async () => {
      const created = await tnbuildElsewhere(['vm', 'create', 'registry']);
      expect(created.exitCode, created.out).toBe(0);
      expect(created.out).toMatch(/created trustnet-registry \(linked clone of registry-x86_64-/);
      const started = await tnbuildElsewhere(['vm', 'start', 'trustnet-registry']);
      expect(started.exitCode, started.out).toBe(0);

      const ssh = await whenBooted(() =>
        sshGuest('hostname; id -un; ip -6 addr show dev eth1; cat /proc/sys/net/core/somaxconn'),
      );
      expect(ssh.exitCode, ssh.out).toBe(0);
      expect(ssh.out).toContain('trustnet-registry');
      expect(ssh.out).toContain('keeper');
      expect(ssh.out).toContain('fd10:1234::2/64');
      expect(ssh.out).toMatch(/^1024$/m);

      expect(await registryHealth()).toBe(200);

      const image = await buildOciImage(join(work, 'oci'));
      const skopeo = (args: string[]) =>
        execa('skopeo', args, { env: { ...process.env, HOME: elsewhereEnv.HOME } });
      await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `oci:${image.dir}:v1`,
        'docker://127.0.0.1:18000/trustnet/hello:v1',
      ]);
      const inspected = JSON.parse(
        (
          await skopeo([
            'inspect',
            '--raw',
            '--tls-verify=false',
            'docker://127.0.0.1:18000/trustnet/hello:v1',
          ])
        ).stdout,
      );
      expect(inspected.layers[0].digest).toBe(image.layerDigest);
      await skopeo([
        'copy',
        '--src-tls-verify=false',
        'docker://127.0.0.1:18000/trustnet/hello:v1',
        `oci:${join(work, 'pulled')}:v1`,
      ]);
      const pulledIndex = JSON.parse(readFileSync(join(work, 'pulled/index.json'), 'utf8'));
      expect(pulledIndex.manifests[0].digest).toBe(image.manifestDigest);
    },
  );

  step(
    'the registry VM carries tnbuild’s own templates: push the release to it, pull it back by digest elsewhere',
    async () => {
      const folder = join(work, 'output/releases/registry-1.0.0-x86_64');
      const target = '127.0.0.1:18000/trustnet/templates/registry:1.0.0';
      const pushed = await tnbuild(['push', folder, target, '--plain-http']);
      expect(pushed.exitCode, pushed.out).toBe(0);
      const pinned = /^ {2}(127\.0\.0\.1:18000\/trustnet\/templates\/registry@sha256:[a-f0-9]{64})$/m.exec(
        pushed.out,
      )?.[1];
      expect(pinned, pushed.out).toBeDefined();
      const again = await tnbuild(['push', folder, target, '--plain-http']);
      expect(again.out).toContain('0 B sent; 5 of 5 files were there already');

      const pulled = await tnbuild(
        ['pull', pinned!, '--trusted-keys', join(work, 'allowed_signers'), '--plain-http'],
        third,
        thirdFlags,
      );
      expect(pulled.exitCode, pulled.out).toBe(0);
      expect(pulled.out).toContain(`registry 1.0.0 (x86_64) from ${pinned}`);
      const listed = await tnbuild(['templates', 'list'], third, thirdFlags);
      expect(listed.out).toMatch(
        new RegExp(
          `^registry-x86_64-[0-9a-f]{12} .* pulled from ${pinned!.replace(/[.]/g, '\\.')} \\(registry 1\\.0\\.0\\)$`,
          'm',
        ),
      );
    },
  );

  step(
    'refuses to remove a template a clone uses; stop is graceful; destroying the clone keeps the template',
    async () => {
      const list = await tnbuildElsewhere(['templates', 'list']);
      const registryTemplate = /^(registry-x86_64-[0-9a-f]{12})/m.exec(list.out)?.[1];
      expect(registryTemplate, list.out).toBeDefined();
      const refused = await tnbuildElsewhere(['templates', 'rm', registryTemplate!]);
      expect(refused.exitCode).toBe(2);
      expect(refused.out).toMatch(/TNB501/);
      const stopped = await tnbuildElsewhere(['vm', 'stop', 'trustnet-registry']);
      expect(stopped.exitCode, stopped.out).toBe(0);
      expect(stopped.out).toMatch(/stopped trustnet-registry \(acpi/);
      const destroyed = await tnbuildElsewhere(['vm', 'destroy', 'trustnet-registry']);
      expect(destroyed.exitCode, destroyed.out).toBe(0);
      expect((await tnbuildElsewhere(['templates', 'list'])).out).toContain(registryTemplate!);
    },
  );

  step(
    'a clone of the template pulled from the registry VM boots with its own identity and serves /health',
    async () => {
      const created = await tnbuild(['vm', 'create', 'registry'], third, thirdFlags);
      expect(created.exitCode, created.out).toBe(0);
      expect(created.out).toMatch(/created trustnet-registry \(linked clone of registry-x86_64-/);
      const started = await tnbuild(['vm', 'start', 'trustnet-registry'], third, thirdFlags);
      expect(started.exitCode, started.out).toBe(0);
      const ssh = await whenBooted(() =>
        tnbuild(['vm', 'ssh', 'trustnet-registry', '--', 'sh', '-c', 'hostname; id -un'], third, thirdFlags),
      );
      expect(ssh.exitCode, ssh.out).toBe(0);
      expect(ssh.out).toContain('trustnet-registry');
      expect(ssh.out).toContain('keeper');
      expect(await registryHealth()).toBe(200);
      const destroyed = await tnbuild(['vm', 'destroy', 'trustnet-registry', '--force'], third, thirdFlags);
      expect(destroyed.exitCode, destroyed.out).toBe(0);
    },
  );
});
