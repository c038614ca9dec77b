import { homedir } from 'node:os';
import { join } from 'node:path';
import { TnbuildError } from '../../errors/index.ts';
import { readReleaseFile } from '../open-release-file.ts';

/** A user name and password (or token) for one registry. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The files `docker login`, `podman login` and `skopeo login` write, in the order containers tools read them:
 * $REGISTRY_AUTH_FILE, then $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json.
 */
export function authFileCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  return [
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')] : []),
    join(env.HOME || homedir(), '.docker', 'config.json'),
  ];
}

const MAX_AUTH_FILE_BYTES = 1024 * 1024;

/**
 * The credentials stored for `registry` (host[:port]) in the first auth file that exists, or undefined. Keys are
 * matched as those tools write them: `host:port`, or a URL such as `https://host:port/v1/`.
 */
export async function readRegistryCredentials(
  registry: string,
  files: readonly string[] = authFileCandidates(),
): Promise<RegistryCredentials | undefined> {
  for (const file of files) {
    // A symlink is followed (dotfile managers link these); a FIFO is refused at once, the size before reading.
    const bytes = await readReleaseFile(file, MAX_AUTH_FILE_BYTES, {
      followSymlinks: true,
      refuse: (why) => authFileError(file, why),
    });
    if (bytes === undefined) continue;
    const text = bytes.toString('utf8');
    let parsed: { auths?: Record<string, { auth?: unknown }> };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw authFileError(file, 'is not JSON');
    }
    for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
      if (hostOf(key) !== registry || typeof entry?.auth !== 'string') continue;
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw authFileError(file, `has an "auth" for ${registry} that is not base64 of user:password`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function authFileError(file: string, what: string): TnbuildError {
  return new TnbuildError('TNB611', `the registry credentials file ${file} ${what}`, {
    hint: 'Log in again with `docker login`, `podman login` or `skopeo login`, or point $REGISTRY_AUTH_FILE at a good file.',
  });
}
