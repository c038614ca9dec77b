import { isIPv6 } from 'node:net';
import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { RemoteCommandError } from '../exec-error.ts';
import { execAdmin, type ModuleContext, type ModuleResult } from '../module-context.ts';
import { canonicalIpv6, mergeManagedBlock } from '../os-family/interfaces-stanza.ts';
import { quoteShell } from '../shell-quote.ts';
import { ensureFile } from './ensure-file.ts';

type NetworkStep = Extract<ResolvedStep, { type: 'network' }>;

/**
 * A static IPv6 address on a second NIC: a managed stanza in /etc/network/interfaces (the rest of the file is left as
 * it is), brought up with ifdown/ifup when the stanza changed or the address is not live.
 */
export async function runNetworkStep(ctx: ModuleContext, step: NetworkStep): Promise<ModuleResult> {
  const nic = step.interface;
  if (!/^[a-z][a-z0-9]{0,14}$/.test(nic)) throw new Error(`not an interface name: ${JSON.stringify(nic)}`);
  if (!isIPv6(step.address)) throw new Error(`not an IPv6 address: ${JSON.stringify(step.address)}`);
  if (!Number.isInteger(step.prefix) || step.prefix < 1 || step.prefix > 128)
    throw new Error(`not an IPv6 prefix length: ${step.prefix}`);
  const address = canonicalIpv6(step.address);
  const file = ctx.family.paths.interfacesFile;
  const probe = await execAdmin(
    ctx,
    [
      `if [ -e ${quoteShell(`/sys/class/net/${nic}`)} ]; then echo nic; fi`,
      `ip -6 addr show dev ${quoteShell(nic)} 2>/dev/null | grep -q ${quoteShell(` inet6 ${address}/${step.prefix} `)} && echo live`,
      'echo ---',
      `cat -- ${quoteShell(file)} 2>/dev/null`,
    ].join('\n'),
  );
  const split = probe.stdout.indexOf('---\n');
  const facts = probe.stdout.slice(0, split);
  const current = probe.stdout.slice(split + 4);
  const wanted = mergeManagedBlock(
    current,
    `network ${nic}`,
    ctx.family.interfacesStanza(nic, address, step.prefix),
  );
  const written = await ensureFile(ctx, file, Buffer.from(wanted), {
    mode: '0644',
    owner: 'root',
    group: 'root',
  });
  const live = facts.includes('live');
  if (written.status === 'ok' && live) return { status: 'ok', reason: `${address}/${step.prefix} on ${nic}` };
  const verb = ctx.check ? 'would ' : '';
  if (!facts.includes('nic')) {
    if (ctx.check)
      return { status: 'changed', reason: `would configure ${nic}, which the guest does not have yet` };
    throw new Error(`the guest has no interface ${nic}: the builder must attach a second NIC`);
  }
  if (!ctx.check) {
    const up = await execAdmin(ctx, ctx.family.bringUpInterface(nic));
    if (up.exitCode !== 0) throw new RemoteCommandError(`bringing up ${nic}`, up);
  }
  const parts = [
    ...(written.status === 'changed' ? [`${file}: ${written.reason}`] : []),
    `${verb}bring up ${address}/${step.prefix} on ${nic}`,
  ];
  return { status: 'changed', reason: parts.join('; '), ...(written.diff ? { diff: written.diff } : {}) };
}
