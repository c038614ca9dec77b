import { displayPath } from '../dsl/load-recipe-file.ts';
import type { ResolvedChecksum } from '../dsl/resolved-recipe.ts';
import type { BuildPlan, PlannedLayer } from './plan-build.ts';

/** Extra facts the caller knows (template store, artifact cache); the plan itself stays pure. */
export interface PlanStatus {
  readonly templateCached?: (key: string) => boolean;
  readonly downloadCached?: (url: string) => boolean;
}

export function formatChecksum(checksum: ResolvedChecksum): string {
  if (!('value' in checksum)) return `${checksum.algorithm} from ${checksum.file}`;
  const value = `${checksum.algorithm}:${checksum.value}`;
  return checksum.publishedIn ? `${value} (published in ${checksum.publishedIn})` : value;
}

/** The plan as plain lines: the layers, each step in order, the keys and the downloads. */
export function formatPlan(plan: BuildPlan, status: PlanStatus = {}): string {
  const lines = [
    `plan ${plan.recipe} (${plan.arch}): ${plan.layers.map((layer) => layer.recipe).join(' → ')}`,
  ];
  plan.layers.forEach((layer, index) => {
    lines.push('', ...formatLayer(layer, `${index + 1}/${plan.layers.length}`, status));
  });
  const downloads = plan.layers.flatMap((layer) =>
    layer.downloads.map((download) => ({ layer: layer.recipe, ...download })),
  );
  lines.push('', `downloads (${downloads.length})`);
  for (const download of downloads) {
    const state = status.downloadCached ? (status.downloadCached(download.url) ? 'cached' : 'to fetch') : '';
    lines.push(
      `  ${download.url}`,
      `      ${formatChecksum(download.checksum)}  for ${download.layer} ${download.for}${state ? `  [${state}]` : ''}`,
    );
  }
  return lines.join('\n');
}

function formatLayer(layer: PlannedLayer, position: string, status: PlanStatus): string[] {
  const cached = status.templateCached
    ? status.templateCached(layer.key)
      ? '  [cached]'
      : '  [to build]'
    : '';
  const lines = [`layer ${position}  ${layer.recipe}  key ${layer.key.slice(0, 16)}${cached}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(9)} ${value}`);
  row('file', displayPath(layer.file));
  row('os', `${layer.os.family} ${layer.os.release} ${layer.arch}`);
  const { source } = layer;
  if (source.type === 'parent')
    row('source', `template of ${source.recipe} (key ${source.key.slice(0, 16)})`);
  else if (source.type === 'iso') row('source', `${source.installer} installer from ${source.iso.url}`);
  else {
    row('source', `${source.installer} installer, netboot: kernel ${source.kernel}`);
    row('', `initrd ${source.initrd}`);
    row('', `cmdline ${JSON.stringify(source.cmdline)}`);
  }
  if (source.type !== 'parent') for (const [label, text] of source.console ?? []) row(label, text);
  row('machine', `${layer.machine.cpus} CPUs, ${layer.machine.memory} memory, ${layer.machine.disk} disk`);
  if (layer.ports.length)
    row('ports', layer.ports.map((port) => `${port.name} 127.0.0.1:${port.host}→${port.guest}`).join(', '));
  if (layer.network)
    row('network', `${layer.network.interface} ${layer.network.address}/${layer.network.prefix}`);
  lines.push('  steps');
  for (const step of layer.steps)
    lines.push(`    ${String(step.index + 1).padStart(2)}. ${step.name}  [${step.type}]`);
  if (layer.checks.length) {
    lines.push('  checks');
    for (const check of layer.checks) lines.push(`      - ${check.name}  [${check.type}]`);
  }
  const seal = [
    layer.seal.lockRoot && 'lock root',
    layer.seal.zeroFreeSpace && 'zero free space',
    layer.seal.compress && 'compress',
  ];
  row('seal', ['remove build key, host keys, machine-id, logs, caches', ...seal.filter(Boolean)].join('; '));
  return lines;
}
