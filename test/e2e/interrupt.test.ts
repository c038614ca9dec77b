import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/recipe-project.ts';
import './helpers/guest-fixture.ts';

const fixture = inject('guestFixture');

/** QEMU processes whose command line mentions `text`. */
async function qemuProcessesMentioning(text: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid,args'], { reject: false });
  return stdout.split('\n').filter((line) => line.includes('qemu-system') && line.includes(text));
}

describe('Ctrl-C during a build (TCG)', () => {
  it('stops the build: exit 1 with TNB306, no QEMU left, no template, no lock, no scratch disk', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tnbuild-e2e-int-'));
    const scratch = join(work, 'tmp');
    mkdirSync(scratch, { recursive: true });
    const output = join(work, 'output');
    const build = execa(
      join(REPO, 'bin/tnbuild.js'),
      [
        'recipe',
        'guest',
        '--recipes',
        join(REPO, 'test/e2e/recipes'),
        '--output',
        output,
        '--arch',
        'x86_64',
      ],
      {
        env: { HOME: join(work, 'home'), CI: 'true', TNBUILD_E2E_GUEST: fixture.dir, TMPDIR: scratch },
        reject: false,
        all: true,
      },
    );
    let seen = '';
    build.all?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    for (let waited = 0; !/guest: install/.test(seen) && waited < 300_000; waited += 500)
      await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toMatch(/guest: install/);
    expect(await qemuProcessesMentioning(scratch)).not.toEqual([]);
    build.kill('SIGINT');
    const result = await build;
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toMatch(/TNB306|interrupted/);
    expect(await qemuProcessesMentioning(scratch)).toEqual([]);
    const templates = existsSync(join(output, 'templates')) ? readdirSync(join(output, 'templates')) : [];
    expect(templates.filter((name) => !name.startsWith('.locks'))).toEqual([]);
    expect(
      existsSync(join(output, 'templates/.locks')) ? readdirSync(join(output, 'templates/.locks')) : [],
    ).toEqual([]);
    // tsx keeps its compile cache in TMPDIR too; the build's own scratch folders must be gone.
    expect(readdirSync(scratch).filter((name) => name.startsWith('tnbuild'))).toEqual([]);
  });
});
