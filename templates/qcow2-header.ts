import { open } from 'node:fs/promises';
import { TnbuildError } from '../errors/index.ts';

/** The two facts of a qcow2 header tnbuild relies on, read without running qemu-img. */
export interface Qcow2Header {
  readonly virtualSize: number;
  /** As written in the image (absolute for tnbuild's clones); undefined for a standalone image. */
  readonly backingFile?: string;
}

const MAGIC = 0x514649fb; // "QFI\xfb"

/** Reads the header (big-endian: magic, version, backing file offset and size, cluster bits, size). */
export async function readQcow2Header(path: string): Promise<Qcow2Header> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, 32, 0);
    if (bytesRead < 32 || head.readUInt32BE(0) !== MAGIC) {
      throw new TnbuildError('TNB510', `${path} is not a qcow2 image`);
    }
    const backingOffset = Number(head.readBigUInt64BE(8));
    const backingSize = head.readUInt32BE(16);
    const virtualSize = Number(head.readBigUInt64BE(24));
    if (backingOffset === 0 || backingSize === 0) return { virtualSize };
    const name = Buffer.alloc(backingSize);
    await handle.read(name, 0, backingSize, backingOffset);
    return { virtualSize, backingFile: name.toString('utf8') };
  } finally {
    await handle.close();
  }
}
