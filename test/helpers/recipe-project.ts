import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';

export const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/tnbuild.js');

/** A throwaway project folder with `recipes/` and `tnbuild` linked into node_modules, as a user would have it. */
export function createRecipeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tnbuild-test-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO, join(dir, 'node_modules', 'tnbuild'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'my-images', private: true, type: 'module' }),
  );
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Runs the real CLI in `dir` with HOME set inside it, so ~/vms and ~/.vms stay in the sandbox. */
export async function runTnbuild(dir: string, args: readonly string[], env: Record<string, string> = {}) {
  const result = await execa(BIN, args, {
    cwd: dir,
    reject: false,
    env: { HOME: join(dir, 'home'), CI: 'true', ...env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** True when a command wrote nothing to output/ or ~/vms or ~/.vms. */
export function wroteNothing(dir: string): boolean {
  return !['output', 'home/vms', 'home/.vms'].some((path) => existsSync(join(dir, path)));
}

/** A minimal valid ISO-based recipe body, for tests to vary. */
export const SHA = `sha256:${'a'.repeat(64)}`;
export function isoRecipe(extra = ''): string {
  return `import { defineRecipe } from 'tnbuild';
export default defineRecipe({
  os: { family: 'alpine', release: '3.22' },
  arch: ['x86_64'],
  source: {
    type: 'iso',
    iso: { url: 'https://example.test/alpine.iso', checksum: '${SHA}' },
    installer: { type: 'alpine' },
  },
  ports: [{ name: 'ssh', guest: 22, host: 2221 }],
${extra}
});
`;
}
