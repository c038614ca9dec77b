import type { Arch } from '../machine-spec.ts';
import { shellQuote } from './shell-quote.ts';

export interface AlpineAnswerOptions {
  readonly arch: Arch;
  readonly hostname: string;
  readonly authorizedKey: string;
  readonly diskDevice: string;
  /** `setup-apkrepos` flags: the first CDN mirror (`-1`) plus community (`-c`). */
  readonly apkReposOpts: string;
  readonly timezone: string;
  /** Extra kernel options beyond the serial console. */
  readonly kernelOpts?: string;
}

/** The serial console each arch's installed kernel must print on (setup-disk 3.20.0 adds no console= itself). */
export function serialConsoleFor(arch: Arch): string {
  return arch === 'aarch64' ? 'console=ttyAMA0,115200' : 'console=ttyS0,115200';
}

/**
 * The setup-alpine answer file (alpine-conf 3.20.0): `setup-alpine -f` sources it as shell, so the exports reach
 * setup-disk, which skips its erase prompt only when ERASE_DISKS names the disk exactly.
 */
export function renderAlpineAnswerFile(options: AlpineAnswerOptions): string {
  const kernelOpts = [serialConsoleFor(options.arch), options.kernelOpts].filter(Boolean).join(' ');
  const lines = [
    '# tnbuild: setup-alpine answer file (alpine-conf 3.20.0 variables); sourced as shell by `setup-alpine -f`',
    "KEYMAPOPTS='us us'",
    `HOSTNAMEOPTS=${shellQuote(options.hostname)}`,
    'DEVDOPTS=mdev',
    `INTERFACESOPTS="auto lo
iface lo inet loopback

auto eth0
iface eth0 inet dhcp
"`,
    'DNSOPTS=none',
    `TIMEZONEOPTS=${shellQuote(options.timezone)}`,
    'PROXYOPTS=none',
    `APKREPOSOPTS=${shellQuote(options.apkReposOpts)}`,
    'USEROPTS=none',
    'USERSSHKEY=none',
    'SSHDOPTS=openssh',
    `ROOTSSHKEY=${shellQuote(options.authorizedKey)}`,
    'NTPOPTS=none',
    `DISKOPTS=${shellQuote(`-m sys -s 0 ${options.diskDevice}`)}`,
    'LBUOPTS=none',
    'APKCACHEOPTS=none',
    `export ERASE_DISKS=${shellQuote(options.diskDevice)}`,
    `export KERNELOPTS=${shellQuote(kernelOpts)}`,
    '',
  ];
  return lines.join('\n');
}
