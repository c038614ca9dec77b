/**
 * How the release image is compressed. Measured on a 326 MiB Debian qcow2 (table in release/README.md):
 * - `zstd`: the qcow2 through `zstd -19 --long=27`: 79.7 MiB, unpacks in about a second. The default.
 * - `xz`: the qcow2 through `xz -9`: 74.1 MiB, but 5–12× slower to unpack and 4× the memory.
 * - `qcow2`: qcow2-internal zstd clusters (`qemu-img convert -c`): 112.8 MiB, but QEMU boots it as it is.
 */
export type Compression = 'zstd' | 'xz' | 'qcow2';

export const COMPRESSIONS: readonly Compression[] = ['zstd', 'xz', 'qcow2'];

export const DEFAULT_COMPRESSION: Compression = 'zstd';

export function isCompression(value: string): value is Compression {
  return (COMPRESSIONS as readonly string[]).includes(value);
}
