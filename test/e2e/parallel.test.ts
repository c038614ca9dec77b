import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, inject } from 'vitest';
import { QmpClient } from '../../builders/qmp-client.ts';
import { REPO } from '../helpers/recipe-project.ts';
import { isolatedEnv, runCli } from '../helpers/run-cli.ts';
import './helpers/guest-fixture.ts';
import { createSteps } from './helpers/steps.ts';

// Sibling builds in one command (TCG): the shared parent once, both children at the same time. Then the faults a
// build must survive with a clear error, no QEMU, lock, scratch or half-written template left, and a next build that
// works: QEMU killed while a child provisions, the guest's disk full, the output folder full during the convert; and
// two processes sharing a parent neither has built. And a build VM frozen mid-boot, booted again.
const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-parallel-'));
const scratch = join(work, 'tmp');
mkdirSync(scratch, { recursive: true });
const env = isolatedEnv(work, { TNBUILD_E2E_GUEST: inject('guestFixture').dir, TMPDIR: scratch });
const output = join(work, 'output');
const flags = ['--recipes', join(REPO, 'test/e2e/recipes'), '--arch', 'x86_64', '--output', output];
const tnbuild = (args: string[]) => runCli(args, env, flags);
// A tmpfs output folder the test sizes: the host's disk filling up while a template is written.
const small = join(work, 'small');
const flagsSmall = [...flags.slice(0, -2), '--output', small];

/** After a failed build: no QEMU of this file's, no lock, no scratch, no half-written template in `store`. */
async function expectNothingLeft(store: string): Promise<void> {
  expect(await buildQemus()).toEqual([]);
  expect(entries(join(store, 'templates/.locks'))).toEqual([]);
  expect(entries(join(store, 'templates')).filter((name) => name.startsWith('.tmp'))).toEqual([]);
  expect(entries(scratch).filter((name) => name.startsWith('tnbuild'))).toEqual([]);
}

interface BuildLine {
  readonly time?: string;
  readonly type: string;
  readonly recipe?: string;
  readonly stage?: string;
  readonly status?: string;
  readonly layers?: readonly { recipe: string; outcome: string }[];
}

const jsonLines = (out: string): BuildLine[] =>
  out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as BuildLine);

/** QEMU processes started by this file's builds (their scratch disks are under its TMPDIR). */
async function buildQemus(): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid,args'], { reject: false });
  return stdout.split('\n').filter((line) => line.includes('qemu-system') && line.includes(scratch));
}

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const readFileSafe = (path: string) => (existsSync(path) ? readFileSync(path, 'latin1') : '');

const step = createSteps();

describe('sibling builds in one process and in two, and the faults a build must survive', () => {
  afterAll(async () => {
    await execa('umount', [small], { reject: false });
    rmSync(work, { recursive: true, force: true });
  });

  step(
    'recipe registry peer-x86 --parallel 2 builds guest once, then both children at the same time',
    async () => {
      const built = await tnbuild(['recipe', 'registry', 'peer-x86', '--parallel', '2', '--json']);
      expect(built.exitCode, built.out).toBe(0);
      const events = jsonLines(built.out);
      const at = (type: string, recipe: string) =>
        Date.parse(events.find((event) => event.type === type && event.recipe === recipe)?.time ?? '');
      expect(events.filter((event) => event.type === 'layer-built').map((event) => event.recipe)).toEqual(
        expect.arrayContaining(['guest', 'registry', 'peer-x86']),
      );
      expect(
        events.filter(
          (event) => event.type === 'stage' && event.stage === 'install' && event.status === 'start',
        ),
      ).toHaveLength(1);
      // Each child's layer starts after the guest's is stored and before the other child's ends: they overlap.
      const registry = { start: at('stage', 'registry'), end: at('layer-built', 'registry') };
      const peer = { start: at('stage', 'peer-x86'), end: at('layer-built', 'peer-x86') };
      expect(registry.start).toBeGreaterThanOrEqual(at('layer-built', 'guest'));
      expect(peer.start).toBeGreaterThanOrEqual(at('layer-built', 'guest'));
      expect(registry.start).toBeLessThan(peer.end);
      expect(peer.start).toBeLessThan(registry.end);
      const results = events.filter((event) => event.type === 'result');
      expect(results.map((result) => result.recipe)).toEqual(['registry', 'peer-x86']);
      const guestOutcomes = results.map((result) => result.layers?.[0]?.outcome).sort();
      expect(guestOutcomes).toEqual(['built', 'waited']);
      console.log(
        `guest + registry ‖ peer-x86: registry ${(registry.end - registry.start) / 1000} s, peer-x86 ${(peer.end - peer.start) / 1000} s, overlapping ${(Math.min(registry.end, peer.end) - Math.max(registry.start, peer.start)) / 1000} s`,
      );

      const again = await tnbuild(['recipe', 'registry', 'peer-x86']);
      expect(again.exitCode, again.out).toBe(0);
      expect(again.out).toContain('cache hit: nothing changed, no VM started');
    },
  );

  step(
    'QEMU killed while peer-x86 provisions: exit 1, no QEMU, lock or scratch, the stored template intact',
    async () => {
      const before = entries(join(output, 'templates')).filter((name) => name.startsWith('peer-x86-'));
      expect(before).toHaveLength(1);
      const build = execa(join(REPO, 'bin/tnbuild.js'), ['recipe', 'peer-x86', '--force', ...flags], {
        env,
        reject: false,
        all: true,
      });
      let seen = '';
      build.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
      });
      for (let waited = 0; !/peer-x86: provision\b/.test(seen) && waited < 600_000; waited += 250)
        await new Promise((resolve) => setTimeout(resolve, 250));
      const qemus = await buildQemus();
      expect(qemus, seen).toHaveLength(1);
      process.kill(Number(qemus[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
      const result = await build;
      expect(result.exitCode, result.all).toBe(1);
      expect(result.all).toMatch(/error TNB\d{3}/);
      expect(result.all).toContain('the build VM’s QEMU had already exited when this failed');
      console.log(
        `after QEMU was killed: ${String(result.all)
          .split('\n')
          .filter((line) => /TNB\d{3}/.test(line))
          .join(' | ')}`,
      );
      expect(await buildQemus()).toEqual([]);
      expect(entries(join(output, 'templates/.locks'))).toEqual([]);
      expect(entries(join(output, 'templates')).filter((name) => name.startsWith('peer-x86-'))).toEqual(
        before,
      );
      expect(entries(scratch).filter((name) => name.startsWith('tnbuild'))).toEqual([]);

      // The template is as it was: a cache hit; and the next forced build works.
      const reused = await tnbuild(['recipe', 'peer-x86']);
      expect(reused.out).toContain('cache hit: nothing changed, no VM started');
      const rebuilt = await tnbuild(['recipe', 'peer-x86', '--force']);
      expect(rebuilt.exitCode, rebuilt.out).toBe(0);
      expect(rebuilt.out).toMatch(/peer-x86: checks done/);
    },
  );

  step(
    'a build VM frozen mid-boot (QMP stop) is seen stalled and booted again: the build works and says so',
    async () => {
      const build = execa(join(REPO, 'bin/tnbuild.js'), ['recipe', 'peer-x86', '--force', ...flags], {
        env: { ...env, TNBUILD_BOOT_STALL: '20' },
        reject: false,
        all: true,
      });
      let seen = '';
      build.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
      });
      // The build VM's console (TMPDIR/tnbuild-vm-*/build/serial.log) once its kernel has printed its banner.
      let vmDir: string | undefined;
      for (let waited = 0; vmDir === undefined && waited < 600_000; waited += 250) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        vmDir = entries(scratch)
          .filter((name) => name.startsWith('tnbuild-vm-'))
          .map((name) => join(scratch, name, 'build'))
          .find((dir) => readFileSafe(join(dir, 'serial.log')).includes('Linux version'));
      }
      expect(vmDir, seen).toBeDefined();
      const qmp = await QmpClient.connect(join(vmDir!, 'qmp.sock'));
      await qmp.execute('stop');
      qmp.close();

      const result = await build;
      expect(result.exitCode, result.all).toBe(0);
      const warning =
        /the build VM's boot stalled \(the guest's console printed nothing for \d+ s and it takes no TCP on port 22\): booting it again from guest-x86_64-[0-9a-f]{12}; the stalled boot's console and state are in (\S+)$/m.exec(
          String(result.all),
        );
      expect(warning, result.all).not.toBeNull();
      expect(result.all).toMatch(/peer-x86: checks done/);
      const logDir = warning![1]!;
      expect(readFileSafe(join(logDir, 'boot-1-guest-state.txt'))).toMatch(
        /^the guest's console printed nothing for \d+ s.*\nQEMU: the guest is paused\n.*SYN_SENT/,
      );
      expect(readFileSafe(join(logDir, 'boot-1-serial.log'))).toContain('Linux version');
      await expectNothingLeft(output);
    },
  );

  step(
    'the guest’s disk fills up mid-provision: the step fails saying so, nothing is left behind',
    async () => {
      const full = await tnbuild(['recipe', 'full-disk']);
      expect(full.exitCode, full.out).toBe(1);
      expect(full.out).toMatch(/error TNB401: .*step "write a file on the full disk" \(shell\)/);
      expect(full.out).toContain('No space left on device');
      expect(full.out).toMatch(/guest’s disk is full/);
      expect(full.out).toMatch(/logs: \S+full-disk-x86_64-[0-9a-f]{12}/);
      await expectNothingLeft(output);
      expect(entries(join(output, 'templates')).filter((name) => name.startsWith('full-disk-'))).toEqual([]);
    },
  );

  step(
    'the output folder fills up while the template is written: TNB511, nothing half-written; with room, the next build works',
    async () => {
      const guest = entries(join(output, 'templates')).find((name) => name.startsWith('guest-'))!;
      const guestBytes = statSync(join(output, 'templates', guest, 'disk.qcow2')).size;
      // Room for the parent's template and the logs, not for the child's standalone disk as large as it.
      mkdirSync(small);
      const mib = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)}m`;
      await execa('mount', [
        '-t',
        'tmpfs',
        '-o',
        `size=${mib(guestBytes + 64 * 2 ** 20)}`,
        'tnbuild-e2e',
        small,
      ]);
      cpSync(join(output, 'templates', guest), join(small, 'templates', guest), { recursive: true });
      const full = await runCli(['recipe', 'peer-x86'], env, flagsSmall);
      // 2, as for a missing tool: the host needs fixing, not the recipe or the build.
      expect(full.exitCode, full.out).toBe(2);
      expect(full.out).toContain(`error TNB511: ${join(small, 'templates')} ran out of space`);
      expect(full.out).toMatch(/hint: Free space there, or build into a folder with room: --output/);
      // The build VM powered off on purpose before the convert: not reported as a crash.
      expect(full.out).not.toContain('QEMU had already exited');
      expect(full.out).not.toContain('console tail');
      await expectNothingLeft(small);
      expect(entries(join(small, 'templates')).filter((name) => !name.startsWith('.'))).toEqual([guest]);

      await execa('mount', ['-o', `remount,size=${mib(2 * guestBytes + 256 * 2 ** 20)}`, small]);
      const next = await runCli(['recipe', 'peer-x86'], env, flagsSmall);
      expect(next.exitCode, next.out).toBe(0);
      expect(next.out).toMatch(/built peer-x86; reused guest/);
    },
  );

  step(
    'two processes at once, registry and peer-x86 on an unbuilt guest: one builds guest, the other waits and reuses it',
    async () => {
      const fresh = [...flags.slice(0, -2), '--output', join(work, 'output-2')];
      const run = (recipe: string) =>
        execa(join(REPO, 'bin/tnbuild.js'), ['recipe', recipe, '--json', ...fresh], {
          env,
          reject: false,
          all: true,
        });
      const [registry, peer] = await Promise.all([run('registry'), run('peer-x86')]);
      expect(registry.exitCode, registry.all).toBe(0);
      expect(peer.exitCode, peer.all).toBe(0);
      const guestOutcome = (out: string) =>
        jsonLines(out)
          .find((event) => event.type === 'result')
          ?.layers?.find((layer) => layer.recipe === 'guest')?.outcome;
      expect([guestOutcome(String(registry.all)), guestOutcome(String(peer.all))].sort()).toEqual([
        'built',
        'waited',
      ]);
      const waiter = guestOutcome(String(registry.all)) === 'waited' ? registry : peer;
      expect(String(waiter.all)).toMatch(/waiting for a concurrent build of this key \(pid \d+\)/);
      const installs = [registry, peer].flatMap((result) =>
        jsonLines(String(result.all)).filter(
          (event) => event.type === 'stage' && event.stage === 'install' && event.status === 'start',
        ),
      );
      expect(installs).toHaveLength(1);
      await expectNothingLeft(join(work, 'output-2'));
      expect(
        entries(join(work, 'output-2/templates'))
          .filter((name) => !name.startsWith('.'))
          .sort(),
      ).toEqual([
        expect.stringMatching(/^guest-x86_64-/),
        expect.stringMatching(/^peer-x86-x86_64-/),
        expect.stringMatching(/^registry-x86_64-/),
      ]);
    },
  );
});
