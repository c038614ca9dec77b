import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpServer, startHttpServer } from '../../builders/http-server.ts';

describe('HTTP server for answer files', () => {
  let server: HttpServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves inline files, files on disk and a directory on 127.0.0.1, logging each request', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnbuild-http-'));
    await writeFile(join(dir, 'rootfs.tar'), Buffer.alloc(100_000, 7));
    await mkdir(join(dir, 'www/sub'), { recursive: true });
    await writeFile(join(dir, 'www/sub/key.pub'), 'ssh-ed25519 AAAA test\n');
    const logged: string[] = [];
    server = await startHttpServer({
      files: { 'answer.sh': { content: '#!/bin/sh\necho hi\n' } },
      directory: join(dir, 'www'),
      logger: { info: (line) => logged.push(line), warn() {}, debug() {} },
    });
    server.serve({ '/rootfs.tar': { path: join(dir, 'rootfs.tar') } });
    const base = `http://127.0.0.1:${server.port}`;
    expect(server.guestUrl('answer.sh')).toBe(`http://10.0.2.2:${server.port}/answer.sh`);
    await expect((await fetch(`${base}/answer.sh`)).text()).resolves.toBe('#!/bin/sh\necho hi\n');
    expect((await (await fetch(`${base}/rootfs.tar`)).arrayBuffer()).byteLength).toBe(100_000);
    await expect((await fetch(`${base}/sub/key.pub`)).text()).resolves.toBe('ssh-ed25519 AAAA test\n');
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    expect((await fetch(`${base}/..%2frootfs.tar`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.requests.map((request) => `${request.path} ${request.status}`)).toEqual([
      '/answer.sh 200',
      '/rootfs.tar 200',
      '/sub/key.pub 200',
      '/missing 404',
      '/..%2frootfs.tar 404',
    ]);
    expect(logged[1]).toBe('http: GET /rootfs.tar → 200 (100000 bytes)');
  });
});
