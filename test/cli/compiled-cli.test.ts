import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledCli } from '../../bin/compiled-cli.js';

const REPO = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tnbuild-compiled-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('which code bin/tnbuild.js runs', () => {
  const root = join(scratch, 'fake');
  const build = (sources: string[], builtAt = Date.now()) => {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(join(root, 'dist', 'build.json'), JSON.stringify({ builtAt, sources }));
  };
  mkdirSync(join(root, 'cli'), { recursive: true });
  writeFileSync(join(root, 'cli', 'main.ts'), '');

  it('the sources, when nothing was built', () => {
    expect(compiledCli(join(scratch, 'never-built'))).toBeUndefined();
  });

  it('dist/, while no source it was built from is newer', () => {
    build(['cli/main.ts'], Date.now() + 1000);
    expect(compiledCli(root)).toBe(join(root, 'dist', 'cli', 'main.js'));
  });

  it('the sources again once one of them is edited, or gone, or the record is unreadable', () => {
    build(['cli/main.ts'], Date.now() - 60_000);
    expect(compiledCli(root)).toBeUndefined();
    build(['cli/main.ts', 'cli/gone.ts'], Date.now() + 1000);
    expect(compiledCli(root)).toBeUndefined();
    writeFileSync(join(root, 'dist', 'build.json'), '{"builtAt": "soon"');
    expect(compiledCli(root)).toBeUndefined();
  });
});

describe('the compiled CLI, built as `npm ci` builds it', () => {
  // A copy of the package (its node_modules linked), so building it never touches the dist/ other tests run.
  const copy = join(scratch, 'package');
  const folders = (
    JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')) as { include: string[] }
  ).include;
  for (const entry of [...folders, 'bin', 'package.json', 'tsconfig.json', 'tsconfig.build.json'])
    cpSync(join(REPO, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  const tnbuild = (...argv: string[]) =>
    execa(process.execPath, [join(copy, 'bin', 'tnbuild.js'), ...argv], { cwd: scratch, reject: false });
  const itself = async () => {
    const report = JSON.parse((await tnbuild('doctor', '--json')).stdout) as {
      checks: { name: string; status: string; detail: string }[];
    };
    return report.checks.find((check) => check.name.startsWith('tnbuild '));
  };

  it('runs from dist/ and answers as the sources do; an edited source runs from source until rebuilt', async () => {
    const sourceHelp = await tnbuild('vm', '--help');
    expect(await itself()).toMatchObject({
      status: 'note',
      detail: expect.stringContaining('npm run build'),
    });

    await execa(process.execPath, [join(copy, 'bin', 'build-dist.js')]);
    expect(await itself()).toMatchObject({ status: 'ok', detail: 'compiled JavaScript (dist/)' });
    const compiledHelp = await tnbuild('vm', '--help');
    expect(compiledHelp.exitCode).toBe(0);
    expect(compiledHelp.stdout).toBe(sourceHelp.stdout);
    expect(compiledHelp.stdout).toContain('create <recipe>');

    const later = new Date(Date.now() + 5000);
    utimesSync(join(copy, 'cli', 'main.ts'), later, later);
    expect(await itself()).toMatchObject({ status: 'note' });
  }, 60_000);
});
