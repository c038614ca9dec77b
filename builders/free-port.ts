import { createServer } from 'node:net';

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** `wanted` if 127.0.0.1:wanted is free, else a free port the kernel picks. `0` always picks. */
export async function pickFreePort(wanted: number, taken: ReadonlySet<number> = new Set()): Promise<number> {
  if (wanted !== 0 && !taken.has(wanted)) {
    const bound = await listenOn(wanted);
    if (bound !== undefined) return bound;
  }
  for (;;) {
    const bound = await listenOn(0);
    if (bound !== undefined && !taken.has(bound)) return bound;
  }
}

/** Resolves every forward's host port, keeping the wanted one where free; names the ones that moved. */
export async function pickForwardPorts<T extends { readonly host: number }>(
  forwards: readonly T[],
): Promise<{ ports: T[]; moved: { from: number; to: number }[] }> {
  const taken = new Set<number>();
  const ports: T[] = [];
  const moved: { from: number; to: number }[] = [];
  for (const forward of forwards) {
    const host = await pickFreePort(forward.host, taken);
    taken.add(host);
    if (forward.host !== 0 && host !== forward.host) moved.push({ from: forward.host, to: host });
    ports.push({ ...forward, host });
  }
  return { ports, moved };
}
