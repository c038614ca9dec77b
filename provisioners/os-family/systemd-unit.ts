import { assertEnvName } from './openrc-init-script.ts';
import type { ServiceDefinition } from './service-definition.ts';

/** A systemd service unit for a foreground program; stdout and stderr go to the journal. */
export function renderSystemdUnit(_service: string, define: ServiceDefinition): string {
  const after = define.after.map(toUnitName);
  const wants = define.after.includes('net') ? ['Wants=network-online.target'] : [];
  return [
    '# Managed by tnbuild: changes here are overwritten by the next provisioning run.',
    '[Unit]',
    `Description=${escapeSpecifiers(define.description.replace(/\s+/g, ' '))}`,
    ...(after.length > 0 ? [`After=${after.join(' ')}`] : []),
    ...wants,
    '',
    '[Service]',
    'Type=simple',
    `User=${assertUnitValue('user', define.user)}`,
    `WorkingDirectory=${escapeSpecifiers(assertUnitValue('directory', define.directory))}`,
    ...Object.entries(define.env).map(
      ([key, value]) => `Environment=${quoteSystemdWord(`${assertEnvName(key)}=${value}`, false)}`,
    ),
    `ExecStart=${[define.command, ...define.args].map((word) => quoteSystemdWord(word, true)).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=2s',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** `net` is OpenRC's name for "the network is up"; anything else names a service. */
function toUnitName(name: string): string {
  if (name === 'net') return 'network-online.target';
  if (!/^[A-Za-z0-9@_.:-]+$/.test(name)) throw new Error(`not a unit name: ${JSON.stringify(name)}`);
  return name.includes('.') ? name : `${name}.service`;
}

/**
 * One word of a systemd command line or Environment= assignment: bare when plain, else double-quoted with C escapes.
 * `%` starts a specifier everywhere; `$` starts a variable in ExecStart= only.
 */
export function quoteSystemdWord(word: string, expandsVariables: boolean): string {
  const escaped = escapeSpecifiers(expandsVariables ? word.replaceAll('$', '$$$$') : word);
  if (/^[A-Za-z0-9_@+,./:=-]+$/.test(escaped)) return escaped;
  const body = [...escaped]
    .map((char) => {
      if (char === '\\') return '\\\\';
      if (char === '"') return '\\"';
      if (char === '\n') return '\\n';
      if (char === '\t') return '\\t';
      const code = char.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return char;
    })
    .join('');
  return `"${body}"`;
}

function escapeSpecifiers(text: string): string {
  return text.replaceAll('%', '%%');
}

function assertUnitValue(what: string, value: string): string {
  if (/[\n\r\0]/.test(value))
    throw new Error(`service define.${what} cannot contain a line break: ${JSON.stringify(value)}`);
  return value;
}
