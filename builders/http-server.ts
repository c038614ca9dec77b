import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { type Logger, silentLogger } from '../host/command-runner.ts';

/** One served file: inline content (an answer file) or a file on disk (a rootfs tarball, streamed). */
export type HttpFile = { readonly content: string | Buffer } | { readonly path: string };

/** URL path (`/answer.sh`) → what to serve. */
export type HttpFileMap = Readonly<Record<string, HttpFile>>;

export interface HttpRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
}

/** Packer's http_directory: answer files and a file map on 127.0.0.1 (the guest sees the host as 10.0.2.2). */
export interface HttpServer {
  readonly port: number;
  /** `http://10.0.2.2:PORT/path`: the URL a user-mode-networking guest uses. */
  guestUrl(path: string): string;
  /** Adds or replaces served files. */
  serve(files: HttpFileMap): void;
  readonly requests: readonly HttpRequestRecord[];
  close(): Promise<void>;
}

export interface StartHttpServerOptions {
  readonly files?: HttpFileMap;
  /** Also serve every file under this folder. */
  readonly directory?: string;
  readonly logger?: Logger;
}

function normalizeUrlPath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

async function resolveFile(urlPath: string, files: Map<string, HttpFile>, directory: string | undefined) {
  const mapped = files.get(urlPath);
  if (mapped !== undefined) return mapped;
  if (directory === undefined) return undefined;
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  if (relative.split(sep).includes('..')) return undefined;
  const path = join(directory, relative);
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? { path } : undefined;
}

async function respond(
  request: IncomingMessage,
  response: ServerResponse,
  file: HttpFile | undefined,
): Promise<number> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405).end();
    return 0;
  }
  if (file === undefined) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return 0;
  }
  if ('content' in file) {
    const body = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
    return body.length;
  }
  const info = await stat(file.path);
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
  if (request.method === 'HEAD') {
    response.end();
    return 0;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file.path);
    stream.once('error', reject);
    response.once('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(response);
  });
  return info.size;
}

export async function startHttpServer(options: StartHttpServerOptions = {}): Promise<HttpServer> {
  const logger = options.logger ?? silentLogger;
  const files = new Map<string, HttpFile>();
  const requests: HttpRequestRecord[] = [];
  const serve = (more: HttpFileMap): void => {
    for (const [path, file] of Object.entries(more)) files.set(normalizeUrlPath(path), file);
  };
  serve(options.files ?? {});
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    void resolveFile(path, files, options.directory)
      .then((file) => respond(request, response, file))
      .catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
        return 0;
      })
      .then((bytes) => {
        const record = { method: request.method ?? 'GET', path, status: response.statusCode, bytes };
        requests.push(record);
        logger.info(`http: ${record.method} ${path} → ${record.status} (${bytes} bytes)`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    guestUrl: (path) => `http://10.0.2.2:${port}${normalizeUrlPath(path)}`,
    serve,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
