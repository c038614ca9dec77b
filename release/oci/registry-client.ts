import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { HttpResponse, HttpTransport } from '../../artifacts/http-transport.ts';
import { TnbuildError } from '../../errors/index.ts';
import { type RegistryCredentials, readRegistryCredentials } from './registry-auth.ts';

export interface RegistryOptions {
  /** PEM file of a CA that signs the registry's certificate, trusted beside the system's. */
  readonly ca?: string;
  /** Speak plain http: refused unless the registry is a loopback address. @default false (https) */
  readonly plainHttp?: boolean;
  /** Credentials; @default those `docker login` & co. stored for the registry (registry-auth.ts) */
  readonly credentials?: RegistryCredentials;
  readonly signal?: AbortSignal;
}

export interface RegistryRequest {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The repository and the access this request needs, for a token: `pull` or `pull,push`. */
  readonly scope: string;
  /** Bodies larger than this are refused (TNB611) without being read further. @default 4 MiB */
  readonly maxBodyBytes?: number;
}

export interface RegistryResponse {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: Buffer;
}

/** A client for one registry (distribution API v2): authentication, TLS, and the loopback-only plain http rule. */
export interface RegistryClient {
  /** `https://host:port`. */
  readonly origin: string;
  request(method: string, path: string, options: RegistryRequest): Promise<RegistryResponse>;
  /** GETs with the same authentication, for the artifact cache (ranges, resume, checksum); `scope` as above. */
  transport(scope: string): HttpTransport;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export async function openRegistry(registry: string, options: RegistryOptions = {}): Promise<RegistryClient> {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (options.plainHttp && !isLoopback(host)) {
    throw new TnbuildError(
      'TNB611',
      `plain http to ${registry} refused: only a registry on a loopback address may be reached without TLS`,
      {
        hint: 'Serve the registry over https (pass --ca for a private CA), or run it on 127.0.0.1.',
      },
    );
  }
  const origin = `${options.plainHttp ? 'http' : 'https'}://${registry}`;
  const ca = options.ca === undefined ? undefined : readCa(options.ca);
  const credentials = options.credentials ?? (await readRegistryCredentials(registry));
  const tokens = new Map<string, string>();

  const send = (method: string, url: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol === 'http:' && !isLoopback(target.hostname.replace(/^\[(.*)\]$/, '$1'))) {
        reject(
          new TnbuildError('TNB611', `${registry} sent tnbuild to plain http at ${target.origin}; refused`),
        );
        return;
      }
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        {
          method,
          headers: {
            'user-agent': 'tnbuild',
            ...headers,
            ...(body && { 'content-length': String(body.length) }),
          },
          // The system's roots and the given CA, not the given CA instead of them.
          ...(ca && target.protocol === 'https:' && { ca: [...rootCertificates, ...ca] }),
          signal: options.signal,
        },
        resolve,
      );
      request.on('error', (error) => reject(unreachable(registry, error)));
      request.end(body);
    });

  /** Sends with what authorises `scope`, answering one 401 challenge (Basic, or a Bearer token fetched for it). */
  const authorised = async (
    method: string,
    url: string,
    request: RegistryRequest,
  ): Promise<IncomingMessage> => {
    const headers = { ...request.headers };
    const token = tokens.get(request.scope);
    const sameOrigin = new URL(url).origin === origin;
    if (sameOrigin && token) headers.authorization = token;
    const first = await send(method, url, headers, request.body);
    if (first.statusCode !== 401 || !sameOrigin) return first;
    const challenge = first.headers['www-authenticate'] ?? '';
    first.resume();
    const answer = await answerChallenge(challenge, request.scope);
    tokens.set(request.scope, answer);
    return send(method, url, { ...headers, authorization: answer }, request.body);
  };

  const answerChallenge = async (challenge: string, scope: string): Promise<string> => {
    const scheme = /^\s*(\w+)/.exec(challenge)?.[1]?.toLowerCase();
    const basic =
      credentials &&
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    if (scheme === 'basic') {
      if (!basic) throw notLoggedIn(registry);
      return basic;
    }
    if (scheme !== 'bearer')
      throw new TnbuildError(
        'TNB611',
        `${registry} asks for "${challenge.slice(0, 80)}" authentication, which tnbuild does not speak`,
      );
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]),
    );
    if (!params.realm)
      throw new TnbuildError('TNB611', `${registry} sent a Bearer challenge without a realm`);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? scope);
    const response = await send('GET', realm.href, basic ? { authorization: basic } : {});
    const body = await readBody(response, 64 * 1024, registry);
    if (response.statusCode === 401 || response.statusCode === 403) throw notLoggedIn(registry);
    if (response.statusCode !== 200)
      throw failed(registry, 'GET', realm.origin + realm.pathname, response.statusCode);
    const { token, access_token } = JSON.parse(body.toString('utf8')) as {
      token?: string;
      access_token?: string;
    };
    if (!(token ?? access_token))
      throw new TnbuildError('TNB611', `${registry}'s token service answered without a token`);
    return `Bearer ${token ?? access_token}`;
  };

  return {
    origin,
    async request(method, path, request) {
      let url = new URL(path, origin).href;
      for (let hop = 0; ; hop++) {
        const response = await authorised(method, url, request);
        const location = response.headers.location;
        if (method === 'GET' && isRedirect(response.statusCode) && location && hop < MAX_REDIRECTS) {
          response.resume();
          url = new URL(location, url).href;
          continue;
        }
        // A HEAD answer's content-length is the size of what a GET would send, and it sends nothing.
        if (method === 'HEAD') response.resume();
        const body =
          method === 'HEAD'
            ? Buffer.alloc(0)
            : await readBody(response, request.maxBodyBytes ?? DEFAULT_MAX_BODY, registry);
        if (response.statusCode === 401 || response.statusCode === 403)
          throw notLoggedIn(registry, response.statusCode);
        return {
          status: response.statusCode ?? 0,
          header: (name) => headerOf(response, name),
          body,
        };
      }
    },
    transport(scope) {
      return {
        async get(url, { headers, signal }) {
          let current = url;
          for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
            signal?.throwIfAborted();
            const response = await authorised('GET', current, { headers, scope });
            const location = response.headers.location;
            if (isRedirect(response.statusCode) && location) {
              response.resume();
              current = new URL(location, current).href;
              continue;
            }
            if (response.statusCode === 401 || response.statusCode === 403) {
              response.resume();
              throw notLoggedIn(registry, response.statusCode);
            }
            return wrap(response, current);
          }
          throw new TnbuildError('TNB611', `more than ${MAX_REDIRECTS} redirects from ${url}`);
        },
      };
    },
  };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && /^(0*:)*:?0*1$/.test(host);
}

function readCa(file: string): string[] {
  try {
    return [readFileSync(file, 'utf8')];
  } catch (error) {
    throw new TnbuildError('TNB611', `cannot read the CA certificate ${file}: ${(error as Error).message}`, {
      hint: 'Pass --ca with the PEM file of the CA that signed the registry’s certificate.',
    });
  }
}

async function readBody(response: IncomingMessage, max: number, registry: string): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > max) {
    response.destroy();
    throw new TnbuildError(
      'TNB611',
      `${registry} answered with ${declared} bytes where at most ${max} were expected`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > max) {
      response.destroy();
      throw new TnbuildError(
        'TNB611',
        `${registry} answered with more than ${max} bytes where at most that was expected`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function wrap(response: IncomingMessage, url: string): HttpResponse {
  return {
    status: response.statusCode ?? 0,
    url,
    header: (name) => headerOf(response, name),
    body: response,
    discard: () => response.destroy(),
  };
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function notLoggedIn(registry: string, status = 401): TnbuildError {
  return new TnbuildError(
    'TNB611',
    `${registry} refused the credentials (HTTP ${status}), or none are stored for it`,
    {
      hint: `Log in with \`docker login ${registry}\` (or podman/skopeo login), or set $REGISTRY_AUTH_FILE.`,
    },
  );
}

export function failed(
  registry: string,
  method: string,
  path: string,
  status: number | undefined,
): TnbuildError {
  return new TnbuildError('TNB611', `${registry} answered ${method} ${path} with HTTP ${status ?? '?'}`);
}

function unreachable(registry: string, error: Error): TnbuildError {
  const code = (error as { code?: string }).code;
  return new TnbuildError('TNB611', `cannot reach ${registry}: ${code ?? error.message}`, { cause: error });
}
