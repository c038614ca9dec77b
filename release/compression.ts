/**
 * How the release image is compressed. Measured on a 326 MiB Debian qcow2 (release/README.md):
 * - `zstd`: the qcow2 through `zstd -19 --long=27`; smallest to download except xz, fast to unpack. The default.
 * - `xz`: the qcow2 through `xz -9`; a little smaller than zstd, far slower to compress and unpack.
 * - `qcow2`: qcow2-internal zstd clusters (`qemu-img convert -c`); bigger, but QEMU boots it as it is, with no unpacking.
 */
export type Compression = 'zstd' | 'xz' | 'qcow2';

export const COMPRESSIONS: readonly Compression[] = ['zstd', 'xz', 'qcow2'];

export const DEFAULT_COMPRESSION: Compression = 'zstd';

export function isCompression(value: string): value is Compression {
  return (COMPRESSIONS as readonly string[]).includes(value);
}
