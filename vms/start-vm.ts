import { access, chmod, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { execaCommandRunner } from '../host/execa-command-runner.ts';
import { readQcow2Header } from '../templates/qcow2-header.ts';
import { listVmRecords } from './list-vm-records.ts';
import type { VmPaths } from './vm-paths.ts';
import { readRunningPid } from './vm-process.ts';
import type { VmRecord } from './vm-record.ts';
import { loadVm, type VmStatus, vmStatus } from './vm-status.ts';
import { resolveVmsRoot } from './vms-root.ts';

/** A started VM: its status, and where this boot's console begins in `serial.log`, which every boot appends to. */
export interface StartedVm extends VmStatus {
  readonly bootStartSize: number;
}

export interface StartVmOptions {
  readonly vmsRoot?: string;
  readonly runner?: CommandRunner;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function checkBackingFile(record: VmRecord, paths: VmPaths): Promise<void> {
  const header = await readQcow2Header(paths.disk).catch((error: unknown) => {
    throw new TnbuildError('TNB505', `${record.name}'s disk ${paths.disk} is missing or unreadable`, {
      cause: error,
      hint: `Recreate the VM: \`tnbuild vm create ${record.template.recipe} --name ${record.name} --force\`.`,
    });
  });
  if (header.backingFile === undefined) return;
  const missing = await access(header.backingFile).then(
    () => false,
    () => true,
  );
  if (!missing) return;
  throw new TnbuildError(
    'TNB505',
    `${record.name}'s disk is a linked clone of ${header.backingFile}, which is gone`,
    {
      details: [`template: ${record.template.name} (key ${record.template.key})`],
      hint:
        `Recreate the VM with \`tnbuild vm create ${record.template.recipe} --name ${record.name} --force\` (its disk starts over), ` +
        `or put the template's disk back at ${header.backingFile} (\`tnbuild recipe ${record.template.recipe}\` rebuilds it when the key matches).`,
    },
  );
}

async function checkPorts(record: VmRecord, vmsRoot: string): Promise<void> {
  for (const port of record.ports) {
    if (await canListen(port.host)) continue;
    const others = (await listVmRecords(vmsRoot)).filter(
      (other) => other.name !== record.name && other.ports.some((forward) => forward.host === port.host),
    );
    const holder =
      others.length > 0 ? ` (VM ${others.map((other) => other.name).join(' or ')} forwards it too)` : '';
    throw new TnbuildError(
      'TNB506',
      `127.0.0.1:${port.host} (${port.name} → guest ${port.guest}) is already in use${holder}`,
      {
        hint: `Stop whatever listens on ${port.host}, or recreate ${record.name} with other ports.`,
      },
    );
  }
}

/**
 * Starts the VM in the background by running its start script, after the checks that make QEMU's own failures
 * readable: not already running (TNB504), the backing file there (TNB505), every forwarded port free (TNB506).
 */
export async function startVm(name: string, options: StartVmOptions = {}): Promise<StartedVm> {
  const vmsRoot = options.vmsRoot ?? resolveVmsRoot();
  const runner = options.runner ?? execaCommandRunner;
  const { record, paths } = await loadVm(name, vmsRoot);
  const pid = await readRunningPid(paths);
  if (pid !== undefined) throw new TnbuildError('TNB504', `${name} is already running (pid ${pid})`);
  await checkBackingFile(record, paths);
  await checkPorts(record, vmsRoot);
  await rm(paths.pidFile, { force: true });
  // QEMU appends to the serial log and keeps the mode of a file that exists: the console is its owner's only.
  await writeFile(paths.serialLog, '', { flag: 'a', mode: 0o600 });
  await chmod(paths.serialLog, 0o600);
  const bootStartSize = (await stat(paths.serialLog)).size;
  const result = await runner.run('sh', [paths.startScript], { reject: false, timeout: 60_000 });
  if (result.exitCode !== 0) {
    const stderr = result.stderr.trimEnd().split('\n').slice(-10);
    if (/host forwarding rule|Address already in use/i.test(result.stderr)) {
      throw new TnbuildError('TNB506', `QEMU could not bind a forwarded port for ${name}`, {
        details: stderr,
      });
    }
    throw new TnbuildError('TNB302', `${name} did not start: QEMU exited with ${result.exitCode}`, {
      details: [`command: sh ${paths.startScript}`, ...stderr],
    });
  }
  return { ...(await vmStatus(name, { vmsRoot })), bootStartSize };
}
