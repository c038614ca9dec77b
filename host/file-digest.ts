import { createHash, randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { defaultCacheDir } from '../artifacts/default-cache-dir.ts';

/**
 * sha256 of a local file, remembered by what `stat` says of it (device, inode, size, mtime and ctime in ns), as git's
 * index and ccache remember theirs: a recipe's 300 MB rootfs or in-house ISO is hashed once, not by every command
 * that loads the recipe. A file changed since has another ctime, so it is hashed again. A file modified less than
 * two seconds before it was read is never remembered (its next change could keep the same timestamps: git's "racily
 * clean" case). The record is a hint only, in `digests.json` beside the download cache: an unreadable, oversized,
 * non-regular or malformed one is ignored, and one that cannot be written costs only the next hash.
 */
export interface FileDigests {
  sha256(path: string): string;
}

interface Entry {
  /** `dev:ino:size:mtimeNs:ctimeNs`, as `fstat` gave them when the file was hashed. */
  readonly stat: string;
  readonly sha256: string;
  readonly recordedAt: number;
}

const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_ENTRIES = 256;
const RACY_NS = 2_000_000_000n;
const STAT = /^[0-9]{1,40}(:[0-9]{1,40}){4}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Where the digests of the default cache live: `$TNBUILD_CACHE/digests.json`, else `~/.vms/cache/digests.json`. */
export function defaultDigestsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheDir(env), 'digests.json');
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.stat === 'string' &&
    STAT.test(entry.stat) &&
    typeof entry.sha256 === 'string' &&
    SHA256.test(entry.sha256) &&
    typeof entry.recordedAt === 'number' &&
    Number.isFinite(entry.recordedAt)
  );
}

/** The record's entries; nothing when it is missing, a symlink, a FIFO, too big or not ours to parse. */
function readRecord(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted here must not hang the command; O_NOFOLLOW: nor a symlink lead elsewhere.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return entries;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_RECORD_BYTES) return entries;
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    const parsed: unknown = JSON.parse(buffer.subarray(0, read).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return entries;
    for (const [path, entry] of Object.entries(parsed)) {
      if (isAbsolute(path) && !path.includes('\0') && isEntry(entry)) entries.set(path, entry);
    }
  } catch {
    entries.clear();
  } finally {
    closeSync(fd);
  }
  return entries;
}

function writeRecord(file: string, entries: Map<string, Entry>): void {
  const kept = [...entries].sort((a, b) => b[1].recordedAt - a[1].recordedAt).slice(0, MAX_ENTRIES);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, `${JSON.stringify(Object.fromEntries(kept))}\n`, { flag: 'wx', mode: 0o600 });
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {}
  }
}

function hashFd(fd: number): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(2 ** 20);
  for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer))
    hash.update(buffer.subarray(0, read));
  return hash.digest('hex');
}

function statKey(stat: BigIntStats): string {
  return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(':');
}

/** Digests remembered in `file` and in this process. */
export function fileDigests(
  file: string = defaultDigestsFile(),
  options: { readonly nowNs?: () => bigint } = {},
): FileDigests {
  const nowNs = options.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  let entries: Map<string, Entry> | undefined;
  return {
    sha256(path) {
      entries ??= readRecord(file);
      const fd = openSync(path, 'r');
      try {
        const before = fstatSync(fd, { bigint: true });
        const known = entries.get(path);
        const now = statKey(before);
        if (known?.stat === now) return known.sha256;
        const startedNs = nowNs();
        const sha256 = hashFd(fd);
        const after = statKey(fstatSync(fd, { bigint: true }));
        // ctime moves with every write (and with a utimes that sets mtime back): the file's last change.
        if (after === now && before.ctimeNs < startedNs - RACY_NS) {
          entries.set(path, { stat: now, sha256, recordedAt: Date.now() });
          writeRecord(file, entries);
        }
        return sha256;
      } finally {
        closeSync(fd);
      }
    },
  };
}

let processDigests: FileDigests | undefined;

/** The digests every recipe load in this process shares (the record beside the default download cache). */
export function sharedFileDigests(): FileDigests {
  processDigests ??= fileDigests();
  return processDigests;
}
