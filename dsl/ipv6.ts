import { isIP } from 'node:net';

/** Expands an IPv6 address to its 8 groups as numbers, or `undefined` when it is not one. */
export function parseIpv6(address: string): number[] | undefined {
  if (isIP(address) !== 6 || address.includes('.')) return undefined;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => Number.parseInt(group, 16));
}

/** Whether `address` lies in `network/prefix` (prefix a multiple of 16 is all tnbuild needs, but any works). */
export function isInPrefix(address: string, network: string, prefix: number): boolean {
  const a = parseIpv6(address);
  const n = parseIpv6(network);
  if (!a || !n) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const group = Math.floor(bit / 16);
    const mask = 1 << (15 - (bit % 16));
    if ((a[group]! & mask) !== (n[group]! & mask)) return false;
  }
  return true;
}

/** The /64 an address is in, as text: `fd10:1234::2` → `fd10:1234::/64`; `undefined` when it is not an address. */
export function network64(address: string): string | undefined {
  const groups = parseIpv6(address)?.slice(0, 4);
  if (!groups) return undefined;
  while (groups.length && groups.at(-1) === 0) groups.pop();
  return `${groups.map((group) => group.toString(16)).join(':')}::/64`;
}
