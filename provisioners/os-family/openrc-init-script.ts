import { quoteForEval, quoteShell, quoteWords, quoteWordsForEval } from '../shell-quote.ts';
import { type ServiceDefinition, serviceLogPath } from './service-definition.ts';

/**
 * An OpenRC init script that supervises a foreground program with supervise-daemon. `command`, `command_args`,
 * `command_user`, `directory` and the logs reach `eval supervise-daemon …` in OpenRC's supervise-daemon.sh, so
 * they are quoted for two parses; `description` and the exports are parsed once.
 */
export function renderOpenRcScript(service: string, define: ServiceDefinition): string {
  const log = serviceLogPath(service);
  const after = define.after.filter((name) => name !== 'net');
  const depend = [
    ...(define.after.includes('net') ? ['\tneed net'] : []),
    ...(after.length > 0 ? [`\tafter ${quoteWords(after)}`] : []),
  ];
  const exports = Object.entries(define.env).map(
    ([key, value]) => `export ${assertEnvName(key)}=${quoteShell(value)}`,
  );
  return [
    '#!/sbin/openrc-run',
    '# Managed by tnbuild: changes here are overwritten by the next provisioning run.',
    '',
    `description=${quoteShell(define.description)}`,
    'supervisor=supervise-daemon',
    `command=${quoteForEval(define.command)}`,
    `command_args=${quoteWordsForEval(define.args)}`,
    `command_user=${quoteForEval(define.user)}`,
    `directory=${quoteForEval(define.directory)}`,
    `output_log=${quoteForEval(log)}`,
    `error_log=${quoteForEval(log)}`,
    ...(exports.length > 0 ? ['', ...exports] : []),
    '',
    'depend() {',
    ...(depend.length > 0 ? depend : ['\t:']),
    '}',
    '',
    'start_pre() {',
    `\tcheckpath --file --owner ${quoteShell(define.user)} --mode 0640 ${quoteShell(log)}`,
    '}',
    '',
  ].join('\n');
}

export function assertEnvName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
  return name;
}
