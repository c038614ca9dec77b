import type { VmPaths } from './vm-paths.ts';
import type { VmRecord } from './vm-record.ts';

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** argv as shell lines: an option and its value on one line, continued with backslashes. */
function formatCommand(binary: string, args: readonly string[]): string {
  const lines: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    const next = args[index + 1];
    if (arg.startsWith('-') && next !== undefined && !next.startsWith('-')) {
      lines.push(`${shellWord(arg)} ${shellWord(next)}`);
      index++;
    } else {
      lines.push(shellWord(arg));
    }
  }
  return [`exec ${shellWord(binary)}`, ...lines.map((line) => `  ${line}`)].join(' \\\n');
}

/** `start-<name>.sh`: QEMU in the background, exactly as `tnbuild vm start` runs it (after its checks). */
export function renderStartScript(
  record: VmRecord,
  paths: VmPaths,
  binary: string,
  args: readonly string[],
): string {
  const forwards = record.ports
    .map((port) => `127.0.0.1:${port.host}→${port.guest} (${port.name})`)
    .join(', ');
  return [
    '#!/bin/sh',
    `# Starts the VM ${record.name} in the background (made by tnbuild from template ${record.template.name}).`,
    `# Forwards: ${forwards || 'none'}. Second NIC ${record.network.mac} on mcast ${record.network.mcast}.`,
    `# Serial console log: ${paths.serialLog}. Stop it with ${paths.stopScript}.`,
    'set -eu',
    formatCommand(binary, args),
    '',
  ].join('\n');
}

/**
 * `stop-<name>.sh`: the ACPI power button through QMP (node is there wherever tnbuild is), up to 60 s for the guest
 * to power off, then QMP `quit`, then SIGKILL. Same steps as `tnbuild vm stop`.
 */
export function renderStopScript(record: VmRecord, paths: VmPaths): string {
  const qmp = (command: string): string =>
    `node -e 'const s = require("net").connect(process.argv[1], () => s.write(${JSON.stringify(
      `{"execute":"qmp_capabilities"}\n{"execute":"${command}"}\n`,
    )})); s.on("error", () => {}); setTimeout(() => s.destroy(), 500)' ${shellWord(paths.qmpSocket)}`;
  return [
    '#!/bin/sh',
    `# Stops the VM ${record.name}: ACPI power button, up to 60 s (TNBUILD_STOP_WAIT) for the guest, then QEMU quits, then SIGKILL.`,
    'set -u',
    `pidfile=${shellWord(paths.pidFile)}`,
    'pid=$(cat "$pidfile" 2>/dev/null) || pid=',
    // Only a positive number: `kill -0 -1` succeeds and `kill -KILL -1` signals every process.
    'case "$pid" in "" | *[!0-9]* | 0*) pid= ;; esac',
    // QEMU started with this pid file, not whatever process reuses a stale pid after a host reboot.
    'running() {',
    '  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1',
    '  if [ -r "/proc/$pid/cmdline" ]; then tr "\\0" "\\n" <"/proc/$pid/cmdline" | grep -qxF -- "$pidfile"',
    '  else ps -p "$pid" -o command= | grep -qF -- "$pidfile"; fi',
    '}',
    `running || { echo '${record.name} is not running'; exit 0; }`,
    qmp('system_powerdown'),
    'i=0',
    'while running && [ "$i" -lt "${TNBUILD_STOP_WAIT:-60}" ]; do sleep 1; i=$((i + 1)); done',
    `running && { echo '${record.name} ignored the power button; quitting QEMU'; ${qmp('quit')}; sleep 2; }`,
    'running && kill -KILL "$pid"',
    'rm -f "$pidfile"',
    `echo '${record.name} stopped'`,
    '',
  ].join('\n');
}
