import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pickForwardPorts, pickFreePort } from '../../builders/free-port.ts';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('free ports', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('keeps a wanted port that is free', async () => {
    const { server, port } = await occupy();
    await new Promise((resolve) => server.close(resolve));
    await expect(pickFreePort(port)).resolves.toBe(port);
  });

  it('chooses another port when the wanted one is taken, and says which moved', async () => {
    const taken = await occupy();
    servers.push(taken.server);
    const { ports, moved } = await pickForwardPorts([
      { name: 'ssh', host: taken.port, guest: 22 },
      { name: 'rpc', host: 0, guest: 26657 },
    ]);
    expect(ports[0]?.host).not.toBe(taken.port);
    expect(ports[0]).toMatchObject({ name: 'ssh', guest: 22 });
    expect(ports[1]?.host).toBeGreaterThan(0);
    expect(ports[1]?.host).not.toBe(ports[0]?.host);
    expect(moved).toEqual([{ from: taken.port, to: ports[0]?.host }]);
  });
});
