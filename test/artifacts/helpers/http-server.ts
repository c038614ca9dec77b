import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Body bytes the handler sent (counted by `sendBytes`). */
  bytesSent: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;

export interface TestServer {
  readonly origin: string;
  readonly requests: SeenRequest[];
  url(path: string): string;
  requestsFor(path: string): SeenRequest[];
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with a random port; routes by path, 404 for anything else; records every request. */
export async function startServer(
  routes: Record<string, Handler>,
  tls?: { key: string; cert: string },
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const seen: SeenRequest = { path, headers: req.headers, bytesSent: 0 };
    requests.push(seen);
    const handler = routes[path];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(handler(req, res, seen)).catch(() => res.destroy());
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    requestsFor: (path) => requests.filter((request) => request.path === path),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface ServeOptions {
  /** Honour `Range` (and `If-Range`) with 206. @default true */
  readonly ranges?: boolean;
  readonly etag?: string;
}

/** Serves a fixed body like a static file server would. */
export function serveBytes(body: Buffer, options: ServeOptions = {}): Handler {
  const ranges = options.ranges ?? true;
  const etag = options.etag ?? '"v1"';
  return async (req, res, seen) => {
    const start = ranges ? rangeStart(req, etag) : undefined;
    if (start !== undefined && start < body.length) {
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
        etag,
        'accept-ranges': 'bytes',
      });
      await sendBytes(res, seen, body.subarray(start));
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length, etag, 'accept-ranges': ranges ? 'bytes' : 'none' });
    await sendBytes(res, seen, body);
    res.end();
  };
}

/** Sends the first `cut` bytes of a 200 response with the full Content-Length, then drops the connection. */
export function serveThenDrop(body: Buffer, cut: number, etag = '"v1"'): Handler {
  return async (_req, res, seen) => {
    res.writeHead(200, { 'content-length': body.length, etag, 'accept-ranges': 'bytes' });
    await sendBytes(res, seen, body.subarray(0, cut));
    // Let the client read what was sent; it may still lose a buffered tail when the reset arrives.
    await new Promise((resolve) => setTimeout(resolve, 30));
    res.socket?.destroy();
  };
}

/** Answers each request with the next handler; the last one repeats. */
export function inTurn(...handlers: Handler[]): Handler {
  let index = 0;
  return (req, res, seen) => {
    const handler = handlers[Math.min(index++, handlers.length - 1)] as Handler;
    return handler(req, res, seen);
  };
}

export async function sendBytes(res: ServerResponse, seen: SeenRequest, bytes: Buffer): Promise<void> {
  seen.bytesSent += bytes.length;
  await new Promise<void>((resolve, reject) =>
    res.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
}

function rangeStart(req: IncomingMessage, etag: string): number | undefined {
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (!match) return undefined;
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  return Number(match[1]);
}
