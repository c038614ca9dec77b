import type { ResolvedCheck } from '../dsl/resolved-recipe.ts';
import { TnbuildError } from '../errors/index.ts';
import { tailOf } from './exec-error.ts';
import { quoteShell } from './shell-quote.ts';
import type { SshSession } from './ssh-session.ts';

export interface CheckReport {
  readonly name: string;
  readonly type: ResolvedCheck['type'];
  readonly passed: boolean;
  /** What was seen: the output's last line, the status code, or why it failed. */
  readonly detail: string;
  readonly attempts: number;
  readonly durationMs: number;
}

export interface RunChecksOptions {
  /** A check that fails is tried again until this many milliseconds have passed (services take a moment). @default 30000 */
  readonly deadlineMs?: number;
  /** @default 500 */
  readonly intervalMs?: number;
  readonly onCheck?: (report: CheckReport) => void;
}

export interface ChecksResult {
  readonly passed: boolean;
  readonly reports: readonly CheckReport[];
  /** TNB407 naming every failed check. */
  readonly error?: TnbuildError;
}

/** Runs a recipe's smoke checks inside the guest: a command's output, a listening port, an HTTP status. */
export async function runChecks(
  session: SshSession,
  checks: readonly ResolvedCheck[],
  options: RunChecksOptions = {},
): Promise<ChecksResult> {
  const reports: CheckReport[] = [];
  for (const check of checks) {
    const report = await runCheck(session, check, options);
    options.onCheck?.(report);
    reports.push(report);
  }
  const failed = reports.filter((report) => !report.passed);
  if (failed.length === 0) return { passed: true, reports };
  return {
    passed: false,
    reports,
    error: new TnbuildError('TNB407', `${failed.length} of ${reports.length} smoke checks failed`, {
      field: 'checks',
      details: failed.map((report) => `${report.name}: ${report.detail}`),
    }),
  };
}

async function runCheck(
  session: SshSession,
  check: ResolvedCheck,
  options: RunChecksOptions,
): Promise<CheckReport> {
  const started = performance.now();
  const deadline = Date.now() + (options.deadlineMs ?? 30_000);
  let attempts = 0;
  for (;;) {
    attempts += 1;
    // One attempt may run past the deadline: a check that needs a few seconds (blocks in 5 s) still gets them.
    const attemptMs = Math.min(60_000, Math.max(10_000, deadline - Date.now()));
    const outcome = await attemptCheck(session, check, attemptMs).catch((error: Error) => ({
      passed: false,
      detail: error.message,
    }));
    if (outcome.passed || Date.now() + (options.intervalMs ?? 500) > deadline) {
      return {
        name: check.name,
        type: check.type,
        ...outcome,
        attempts,
        durationMs: performance.now() - started,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

async function attemptCheck(
  session: SshSession,
  check: ResolvedCheck,
  timeoutMs: number,
): Promise<{ passed: boolean; detail: string }> {
  const result = await session.exec(checkScript(check), { timeoutMs });
  const last = tailOf(result.stdout, 1)[0] ?? '';
  switch (check.type) {
    case 'command': {
      if (result.exitCode !== 0)
        return {
          passed: false,
          detail: `exit ${result.exitCode}: ${tailOf(result.stderr || result.stdout, 1)[0] ?? ''}`,
        };
      if (check.expect === undefined) return { passed: true, detail: last };
      const matched = new RegExp(check.expect, 'm').test(result.stdout);
      return {
        passed: matched,
        detail: matched ? last : `output did not match /${check.expect}/: ${JSON.stringify(last)}`,
      };
    }
    case 'port':
      return result.exitCode === 0
        ? { passed: true, detail: `port ${check.port} is listening` }
        : { passed: false, detail: `nothing listens on TCP port ${check.port}` };
    case 'http': {
      if (result.exitCode === 3) return { passed: false, detail: 'the guest has neither curl nor wget' };
      const status = Number(last.trim());
      return {
        passed: status === check.status,
        detail: `GET ${check.path} on port ${check.port}: ${status || 'no answer'} (expected ${check.status})`,
      };
    }
  }
}

/** The guest-side command of a check. Ports are read from /proc/net/tcp{,6}, which needs no tool. */
export function checkScript(check: ResolvedCheck): string {
  switch (check.type) {
    case 'command':
      return check.run;
    case 'port': {
      const hex = check.port.toString(16).toUpperCase().padStart(4, '0');
      return `P=${quoteShell(hex)} awk 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == ENVIRON["P"]) found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null`;
    }
    case 'http': {
      const url = quoteShell(`http://127.0.0.1:${check.port}${check.path}`);
      return [
        `u=${url}`,
        `if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -m 10 -w '%{http_code}\\n' "$u"`,
        `elif command -v wget >/dev/null 2>&1; then wget -S -O /dev/null -T 10 "$u" 2>&1 | awk '/^ *HTTP\\// { c = $2 } END { print c }'`,
        'else exit 3; fi',
      ].join('\n');
    }
  }
}
