import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where host-tool checks look; tests pass a fake to simulate a missing binary or firmware. */
export interface HostLookup {
  findExecutable(name: string): Promise<string | undefined>;
  fileExists(path: string): Promise<boolean>;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks binaries up on PATH and files on the real file system. */
export const nodeHostLookup: HostLookup = {
  async findExecutable(name) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
    }
    return undefined;
  },
  async fileExists(path) {
    try {
      await access(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
};
