import type { BuildEvent } from '../../runner/build-event.ts';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One plain line per event worth keeping in a log, or undefined for the ones only a live view shows. */
export function formatBuildEvent(event: BuildEvent): string | undefined {
  switch (event.type) {
    case 'layer-start':
      return `${event.recipe}: layer ${event.index + 1}/${event.total}, key ${event.key.slice(0, 16)}`;
    case 'layer-cached':
      return `${event.recipe}: cache hit${event.outcome === 'waited' ? ' (after waiting for a concurrent build)' : ''}, ${event.templateDir}`;
    case 'layer-built':
      return `${event.recipe}: template ready in ${seconds(event.elapsedMs)}, ${event.templateDir}`;
    case 'layer-failed':
      return `${event.recipe}: failed: ${event.message}`;
    case 'stage':
      if (event.status === 'start')
        return `${event.recipe}: ${event.stage}${event.detail ? ` (${event.detail})` : ''}`;
      return `${event.recipe}: ${event.stage} ${event.status} in ${seconds(event.elapsedMs)}${event.detail ? ` (${event.detail})` : ''}`;
    case 'provision': {
      const inner = event.event;
      if (inner.type === 'step-end') {
        const line = `${event.recipe}: [${inner.status}] ${inner.name} — ${inner.reason} (${seconds(inner.durationMs)})`;
        return inner.diff ? `${line}\n${inner.diff.trimEnd()}` : line;
      }
      if (inner.type === 'reconnect')
        return `${event.recipe}: reconnecting during ${inner.name}: ${inner.reason}`;
      return undefined;
    }
    case 'progress':
      return `${event.recipe}: ${event.text}`;
    case 'log':
      return `${event.recipe}: ${event.level === 'warn' ? 'warning: ' : ''}${event.message}`;
  }
}
