/** The guest architectures tnbuild builds, in QEMU's naming. Free of zod so the CLI can check `--arch` cheaply. */
export const ARCHES = ['aarch64', 'x86_64'] as const;
export type Arch = (typeof ARCHES)[number];

export function isArch(value: unknown): value is Arch {
  return ARCHES.includes(value as Arch);
}
