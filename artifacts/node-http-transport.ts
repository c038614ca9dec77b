import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { HttpGetOptions, HttpResponse, HttpTransport } from './http-transport.ts';

const maxRedirects = 10;

/**
 * node:http(s) rather than fetch: no transparent decompression (a `.tar.gz` served with `Content-Encoding: gzip`
 * would otherwise arrive unpacked and fail its checksum), and errors keep their plain `code`.
 */
export const nodeHttpTransport: HttpTransport = {
  async get(url, options) {
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const response = await request(current, options);
      const location = response.headers.location;
      if (isRedirect(response.statusCode) && location !== undefined) {
        response.resume();
        current = new URL(location, current).href;
        continue;
      }
      return wrapIncoming(response, current);
    }
    throw new Error(`more than ${maxRedirects} redirects starting at ${url}`);
  },
};

function request(url: string, options: HttpGetOptions): Promise<IncomingMessage> {
  const parsed = new URL(url);
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(parsed, { headers: { ...options.headers }, signal: options.signal }, resolve);
    req.on('error', reject);
  });
}

export function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** A header of a node:http response as one string (repeated headers joined). */
export function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function wrapIncoming(response: IncomingMessage, url: string): HttpResponse {
  return {
    status: response.statusCode ?? 0,
    url,
    header: (name) => headerOf(response, name),
    body: response,
    discard: () => response.destroy(),
  };
}
