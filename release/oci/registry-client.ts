import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { HttpTransport } from '../../artifacts/http-transport.ts';
import { headerOf, isRedirect, wrapIncoming } from '../../artifacts/node-http-transport.ts';
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
  /** The access this request needs, for a token: `repository:NAME:pull` or `…:pull,push`; several space-separated. */
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
  const origin = `${options.plainHttp ? 'http' : 'https'}://${registry}`;
  const ca = options.ca === undefined ? undefined : readCa(options.ca);
  const credentials = options.credentials ?? (await readRegistryCredentials(registry));
  const tokens = new Map<string, string>();

  const send = (method: string, url: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const target = new URL(url);
      // Checked on every request, so a redirect or a token realm cannot lead off loopback without TLS either.
      if (target.protocol === 'http:' && !isLoopback(target.hostname.replace(/^\[(.*)\]$/, '$1'))) {
        reject(
          new TnbuildError(
            'TNB611',
            `plain http to ${target.host} refused: only a loopback address may be reached without TLS`,
            { hint: 'Serve the registry over https (pass --ca for a private CA), or run it on 127.0.0.1.' },
          ),
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
    // The scopes this request needs, which the client knows better than one challenge's (one token then serves
    // a whole push); the registry's own is added when it asks for more.
    const wanted = scope.split(' ').filter(Boolean);
    for (const asked of (params.scope ?? '').split(' ').filter(Boolean))
      if (!wanted.some((each) => grants(each, asked))) wanted.push(asked);
    for (const each of wanted) realm.searchParams.append('scope', each);
    const response = await send('GET', realm.href, basic ? { authorization: basic } : {});
    const body = await readBody(response, 64 * 1024, registry);
    if (response.statusCode === 401 || response.statusCode === 403) throw notLoggedIn(registry);
    if (response.statusCode !== 200)
      throw unexpectedAnswer(registry, `the token request to ${realm.origin}${realm.pathname}`, {
        status: response.statusCode,
        body,
      });
    const token = tokenIn(body);
    if (token === undefined)
      throw new TnbuildError('TNB611', `${registry}'s token service answered without a usable token`);
    return `Bearer ${token}`;
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
            return wrapIncoming(response, current);
          }
          throw new TnbuildError('TNB611', `more than ${MAX_REDIRECTS} redirects from ${url}`);
        },
      };
    },
  };
}

/** Whether scope `held` (`repository:NAME:pull,push`) allows everything `asked` asks for. */
function grants(held: string, asked: string): boolean {
  const split = (scope: string) => {
    const at = scope.lastIndexOf(':');
    return { resource: scope.slice(0, at), actions: scope.slice(at + 1).split(',') };
  };
  const have = split(held);
  const want = split(asked);
  return have.resource === want.resource && want.actions.every((action) => have.actions.includes(action));
}

/** `token` (or OAuth2's `access_token`) of a token service's JSON answer, if it is one printable line. */
function tokenIn(body: Buffer): string | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const { token, access_token } = (answer ?? {}) as { token?: unknown; access_token?: unknown };
  const value = token ?? access_token;
  // It becomes a header: a newline would end the request line it is in.
  return typeof value === 'string' && /^[\x21-\x7e]+$/.test(value) ? value : undefined;
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

function notLoggedIn(registry: string, status = 401): TnbuildError {
  return new TnbuildError(
    'TNB611',
    `${registry} refused the credentials (HTTP ${status}), or none are stored for it`,
    {
      hint: `Log in with \`docker login ${registry}\` (or podman/skopeo login), or set $REGISTRY_AUTH_FILE.`,
    },
  );
}

/** TNB611 for an answer the protocol does not allow at this point, with the start of the registry's own words. */
export function unexpectedAnswer(
  registry: string,
  what: string,
  response: { readonly status?: number; readonly body?: Buffer },
): TnbuildError {
  const said = (response.body ?? Buffer.alloc(0))
    .subarray(0, 300)
    .toString('utf8')
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim();
  return new TnbuildError('TNB611', `${registry} answered ${what} with HTTP ${response.status ?? '?'}`, {
    ...(said && { details: [said] }),
  });
}

function unreachable(registry: string, error: Error): TnbuildError {
  const code = (error as { code?: string }).code;
  return new TnbuildError('TNB611', `cannot reach ${registry}: ${code ?? error.message}`, { cause: error });
}
