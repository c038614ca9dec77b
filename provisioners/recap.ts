export type StepStatus = 'ok' | 'changed' | 'failed' | 'skipped';

export interface Recap {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
}

export function countRecap(statuses: readonly StepStatus[], durationMs: number): Recap {
  const count = (status: StepStatus) => statuses.filter((item) => item === status).length;
  return {
    ok: count('ok'),
    changed: count('changed'),
    failed: count('failed'),
    skipped: count('skipped'),
    durationMs,
  };
}

/** Ansible's recap line: `guest : ok=12 changed=3 failed=0 skipped=1   in 4.21 s`. */
export function formatRecap(recap: Recap, host?: string): string {
  const counts = `ok=${recap.ok} changed=${recap.changed} failed=${recap.failed} skipped=${recap.skipped}`;
  return `${host ? `${host} : ` : ''}${counts}   in ${formatDuration(recap.durationMs)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
