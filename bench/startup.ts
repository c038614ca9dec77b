import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledCli } from '../bin/compiled-cli.js';

const REPO = join(import.meta.dirname, '..');
const RUNS = 15;

/** What a command costs over Node's own start, and the goal for it (issue 15). */
const COMMANDS = [
  { label: 'tnbuild --help', argv: ['--help'], goalMs: 150 },
  { label: 'tnbuild vm list', argv: ['vm', 'list'], goalMs: 250 },
  {
    label: 'tnbuild plan node',
    argv: ['plan', 'node', '--offline', '--recipes', join(REPO, 'recipes')],
    goalMs: 600,
  },
] as const;

/**
 * Start-up, side by side with `node -e 0` in the same run: each round runs the anchor and every command once, so
 * load on the machine falls on all of them alike. Medians of RUNS rounds; a command's figure is its median minus
 * the anchor's.
 */
export function benchStartup(print: (line: string) => void = console.log): void {
  const home = mkdtempSync(join(tmpdir(), 'tnbuild-bench-startup-'));
  const env = {
    ...process.env,
    HOME: home,
    TNBUILD_VMS_DIR: join(home, 'vms'),
    TNBUILD_CACHE: join(home, 'cache'),
  };
  const time = (argv: readonly string[]): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, argv, { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`node ${argv.join(' ')} failed: ${result.stderr}`);
    return performance.now() - started;
  };
  try {
    const bin = join(REPO, 'bin', 'tnbuild.js');
    const anchor: number[] = [];
    const samples: number[][] = COMMANDS.map(() => []);
    for (let round = 0; round < RUNS; round++) {
      anchor.push(time(['-e', '0']));
      for (const [index, command] of COMMANDS.entries()) samples[index]!.push(time([bin, ...command.argv]));
    }
    const node = median(anchor);
    print(
      `running ${compiledCli(REPO) ? 'the compiled CLI (dist/)' : 'the TypeScript sources (no current dist/)'}`,
    );
    print(`${'node -e 0'.padEnd(20)} ${node.toFixed(0).padStart(5)} ms   the anchor (median of ${RUNS})`);
    COMMANDS.forEach((command, index) => {
      const over = median(samples[index]!) - node;
      const verdict = over <= command.goalMs ? 'ok' : 'OVER';
      print(
        `${command.label.padEnd(20)} ${`+${over.toFixed(0)}`.padStart(5)} ms   goal ≤ +${command.goalMs} ms  ${verdict}`,
      );
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
