/** The lines around a block tnbuild manages inside a file it does not own. */
export function managedMarkers(id: string): { readonly begin: string; readonly end: string } {
  return { begin: `# BEGIN tnbuild ${id}`, end: `# END tnbuild ${id}` };
}

/** Replaces the managed block in `content`, or appends it (after a blank line) when there is none. */
export function mergeManagedBlock(content: string, id: string, body: string): string {
  const { begin, end } = managedMarkers(id);
  const block = `${begin}\n${body.replace(/\n?$/, '\n')}${end}\n`;
  const lines = content.split('\n');
  const start = lines.indexOf(begin);
  const stop = start === -1 ? -1 : lines.indexOf(end, start + 1);
  if (start !== -1 && stop !== -1) {
    const before = lines.slice(0, start).join('\n');
    const after = lines.slice(stop + 1).join('\n');
    return `${before}${start > 0 ? '\n' : ''}${block}${after}`;
  }
  if (content.length === 0) return block;
  return `${content.replace(/\n*$/, '\n')}\n${block}`;
}

/** Canonical text of an IPv6 address (as the kernel and `ip` print it): `FD10:1234:0::01` → `fd10:1234::1`. */
export function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    throw new Error(`not an IPv6 address: ${JSON.stringify(address)}`);
  }
}
