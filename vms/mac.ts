import { createHash } from 'node:crypto';

/**
 * A stable MAC for the VM's NIC on the shared segment: QEMU's 52:54:00 prefix and three bytes of sha256(name),
 * moved on while another VM has it.
 */
export function macForVm(name: string, taken: ReadonlySet<string> = new Set()): string {
  for (let attempt = 0; ; attempt++) {
    const digest = createHash('sha256')
      .update(attempt === 0 ? name : `${name}#${attempt}`)
      .digest();
    const mac = [
      '52',
      '54',
      '00',
      ...[...digest.subarray(0, 3)].map((byte) => byte.toString(16).padStart(2, '0')),
    ].join(':');
    if (!taken.has(mac)) return mac;
  }
}
