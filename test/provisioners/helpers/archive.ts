import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** A stand-in for CometBFT's release archive: `cometbft` (a script) at the root, next to LICENSE and README.md. */
export const FAKE_COMETBFT = `#!/bin/sh
case "$1" in
  version) echo "0.38.17-fake" ;;
  init)
    home="$3"
    mkdir -p "$home/config" "$home/data"
    echo '{"chain_id":"fake"}' > "$home/config/genesis.json"
    echo '{}' > "$home/config/priv_validator_key.json"
    echo "initialised $home as $(id -un)"
    ;;
  *) echo "usage: cometbft version|init --home DIR" >&2; exit 2 ;;
esac
`;

/** Builds a .tar.gz from `files` (name → content) with the host's tar; returns its bytes. */
export async function makeTarGz(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tnb-archive-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, 'root', name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      await chmod(file, name.endsWith('cometbft') ? 0o755 : 0o644);
    }
    await execa('tar', [
      '-czf',
      path.join(dir, 'out.tar.gz'),
      '-C',
      path.join(dir, 'root'),
      ...Object.keys(files),
    ]);
    return await readFile(path.join(dir, 'out.tar.gz'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Serves fixed bytes by path on 127.0.0.1; counts requests. */
export async function serveFiles(
  files: Record<string, Buffer>,
): Promise<{ url: (name: string) => string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    const body = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}${name}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
