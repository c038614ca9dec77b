import { TnbuildError } from '../errors/index.ts';
import type { CacheLayout } from './cache-layout.ts';
import { hashFile } from './hash-file.ts';
import { discardPart } from './part-file.ts';
import type { Checksum } from './types.ts';

/** Hashes a finished part; a mismatch deletes it (the bad file is never kept) and throws TNB201. */
export async function verifyPart(
  layout: CacheLayout,
  checksum: Checksum,
  what: { fileName: string; from: string },
): Promise<void> {
  const actual = await hashFile(layout.partPath(checksum), checksum.algorithm);
  if (actual === checksum.value) return;
  await discardPart(layout, checksum);
  throw new TnbuildError(
    'TNB201',
    `${what.fileName} from ${what.from} does not match its checksum; the download was deleted.`,
    {
      details: [
        `expected ${checksum.algorithm} ${checksum.value}`,
        `actual   ${checksum.algorithm} ${actual}`,
      ],
    },
  );
}
