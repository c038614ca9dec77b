import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { provision } from '../provisioners/provision.ts';
import { formatRecap } from '../provisioners/recap.ts';
import type { SshSession } from '../provisioners/ssh-session.ts';
import { connectTo, makeThrowawayUser } from '../test/provisioners/helpers/session.ts';
import { startSshd } from '../test/provisioners/helpers/sshd.ts';
import { step } from '../test/provisioners/helpers/steps.ts';

export interface BenchProvisionNoopOptions {
  /** @default 50 */
  readonly tasks?: number;
  /** Also run the same tasks with ansible-playbook when it is installed. @default true */
  readonly ansible?: boolean;
  /** @default console.log */
  readonly print?: (line: string) => void;
}

export interface BenchFigure {
  readonly label: string;
  readonly totalMs: number;
  readonly perTaskMs: number;
}

export interface BenchProvisionNoopResult {
  readonly tasks: number;
  readonly user: string;
  readonly connectMs: number;
  readonly figures: readonly BenchFigure[];
  /** Why ansible was not measured, when it was not. */
  readonly ansibleSkipped?: string;
}

/**
 * 50 no-op `file` tasks over one connection to a real sshd on 127.0.0.1, as a throwaway user with a plain /bin/sh
 * (root's ~/.bashrc here runs pyenv: 0.55 s a command, nothing to do with SSH). The files are created first; the
 * timed runs find every one up to date. Figures: tnbuild with batched probes (one round trip for all 50 stats),
 * tnbuild with one probe per task (Ansible's shape), and ansible-playbook (pipelining + ControlPersist) if installed.
 */
export async function benchProvisionNoop(
  options: BenchProvisionNoopOptions = {},
): Promise<BenchProvisionNoopResult> {
  const tasks = options.tasks ?? 50;
  const print = options.print ?? ((line: string) => console.log(line));
  const sshd = await startSshd();
  const account = await makeThrowawayUser('tnbbench');
  let session: SshSession | undefined;
  try {
    const started = performance.now();
    session = await connectTo(sshd, { username: account.name, become: 'none' });
    const connectMs = performance.now() - started;
    const dir = `${account.home}/bench`;
    const steps = Array.from({ length: tasks }, (_, index) =>
      step.file(`${dir}/file-${String(index).padStart(2, '0')}.conf`, {
        content: `value = ${index}\n`,
        mode: '0644',
        owner: account.name,
        group: account.name,
      }),
    );
    const setup = await provision({ session, steps, family: 'debian', arch: 'x86_64' });
    if (setup.error || setup.recap.changed !== tasks)
      throw setup.error ?? new Error(`setup changed ${setup.recap.changed} of ${tasks}`);

    const figures: BenchFigure[] = [];
    for (const [label, batchProbes] of [
      ['tnbuild, batched probes', true],
      ['tnbuild, a probe per task', false],
    ] as const) {
      const best = await bestOf(3, async () => {
        const result = await provision({
          session: session as SshSession,
          steps,
          family: 'debian',
          arch: 'x86_64',
          batchProbes,
        });
        if (result.recap.changed !== 0 || result.recap.ok !== tasks)
          throw new Error(`not a no-op: ${formatRecap(result.recap)}`);
        return result.recap.durationMs;
      });
      figures.push({ label, totalMs: best, perTaskMs: best / tasks });
    }
    let ansibleSkipped: string | undefined;
    if (options.ansible ?? true) {
      const ansible = await runAnsible(sshd, account, tasks, dir).catch((error: Error) => error);
      if (ansible instanceof Error) ansibleSkipped = ansible.message;
      else figures.push(ansible);
    } else ansibleSkipped = 'not asked for';

    print(
      `provision-noop: ${tasks} no-op file tasks over one SSH connection to 127.0.0.1 as ${account.name} (/bin/sh); connect ${connectMs.toFixed(0)} ms`,
    );
    for (const figure of figures) {
      print(
        `  ${figure.label.padEnd(58)} ${figure.perTaskMs.toFixed(2).padStart(8)} ms/task ${figure.totalMs.toFixed(0).padStart(7)} ms total`,
      );
    }
    if (ansibleSkipped) print(`  ansible-playbook: skipped (${ansibleSkipped})`);
    return { tasks, user: account.name, connectMs, figures, ...(ansibleSkipped ? { ansibleSkipped } : {}) };
  } finally {
    await session?.close();
    await sshd.close();
    await account.remove();
  }
}

async function bestOf(runs: number, measure: () => Promise<number>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run += 1) best = Math.min(best, await measure());
  return best;
}

/** The same tasks as an Ansible play: `file` with state, mode and owner, pipelining and ControlPersist on. */
async function runAnsible(
  sshd: Awaited<ReturnType<typeof startSshd>>,
  account: { name: string },
  tasks: number,
  dir: string,
): Promise<BenchFigure> {
  const which = await execa('sh', ['-c', 'command -v ansible-playbook'], { reject: false });
  if (which.exitCode !== 0) throw new Error('ansible-playbook is not installed');
  const version =
    (await execa('ansible-playbook', ['--version'])).stdout.split('\n')[0] ?? 'ansible-playbook';
  const work = await mkdtemp(path.join(tmpdir(), 'tnb-ansible-'));
  try {
    const key = path.join(work, 'id_ed25519');
    await writeFile(key, sshd.privateKey, { mode: 0o600 });
    await writeFile(
      path.join(work, 'ansible.cfg'),
      [
        '[defaults]',
        'host_key_checking = False',
        'interpreter_python = auto_silent',
        '[ssh_connection]',
        'pipelining = True',
        `control_path_dir = ${work}/cp`,
        'ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(work, 'inventory.ini'),
      `guest ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${account.name} ansible_ssh_private_key_file=${key}\n`,
    );
    const play = [
      '- hosts: guest',
      '  gather_facts: false',
      '  tasks:',
      ...Array.from({ length: tasks }, (_, index) => {
        const file = `${dir}/file-${String(index).padStart(2, '0')}.conf`;
        return `    - ansible.builtin.file: { path: "${file}", state: file, mode: "0644", owner: "${account.name}", group: "${account.name}" }`;
      }),
      '',
    ].join('\n');
    await writeFile(path.join(work, 'play.yml'), play);
    const env = { ANSIBLE_CONFIG: path.join(work, 'ansible.cfg') };
    // A first run opens the ControlPersist master, as a warm ansible would have.
    await execa('ansible-playbook', ['-i', 'inventory.ini', 'play.yml'], { cwd: work, env });
    const started = performance.now();
    const result = await execa('ansible-playbook', ['-i', 'inventory.ini', 'play.yml'], { cwd: work, env });
    const totalMs = performance.now() - started;
    if (!/changed=0\s+unreachable=0\s+failed=0/.test(result.stdout))
      throw new Error(`ansible did not report a no-op:\n${result.stdout.slice(-400)}`);
    return { label: `${version} (pipelining, ControlPersist)`, totalMs, perTaskMs: totalMs / tasks };
  } finally {
    await execa('ssh', ['-O', 'exit', '-o', `ControlPath=${work}/cp/%C`, '--', `${account.name}@127.0.0.1`], {
      reject: false,
    });
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchProvisionNoop();
}
