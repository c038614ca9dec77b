import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** `127.0.0.1:<port>`, as a reference names it. */
  readonly address: string;
  /** The CA's PEM file, with `tls`. */
  readonly ca?: string;
  /** Its storage folder: blobs land under docker/registry/v2/blobs. */
  readonly root: string;
  /** Requests the registry logged, as `METHOD path` lines (its access log). */
  requests(): string[];
  /** The same, with the status and the bytes sent: `METHOD path STATUS BYTES`. */
  responses(): string[];
  /** With `token`: the scopes each token request asked for, and whether its login was right. */
  tokenRequests(): { scopes: string[]; loggedIn: boolean }[];
  stop(): Promise<void>;
}

/**
 * A real registry, CNCF distribution 2.8 from Debian's `docker-registry` package, on 127.0.0.1: plain, or with
 * htpasswd basic auth and TLS from a CA made here (openssl; bcrypt from python3's crypt, which distribution needs).
 */
export async function startRegistry(
  options: {
    auth?: { username: string; password: string };
    tls?: boolean;
    /** Bearer tokens from a token service (distribution's `auth: token`), given for this login. */
    token?: { username: string; password: string };
  } = {},
): Promise<TestRegistry> {
  const root = mkdtempSync(join(tmpdir(), 'tnbuild-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(root, 'data')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  let ca: string | undefined;
  if (options.tls) {
    ca = makeCertificates(root);
    lines.push(
      '  tls:',
      `    certificate: ${join(root, 'server.crt')}`,
      `    key: ${join(root, 'server.key')}`,
    );
  }
  if (options.auth) {
    const hash = execFileSync(
      'python3',
      [
        '-W',
        'ignore',
        '-c',
        'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))',
        options.auth.password,
      ],
      { encoding: 'utf8' },
    ).trim();
    writeFileSync(join(root, 'htpasswd'), `${options.auth.username}:${hash}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: tnbuild-test', `    path: ${join(root, 'htpasswd')}`);
  }
  const tokenService = options.token && (await startTokenService(root, options.token));
  if (tokenService) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${tokenService.realm}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${tokenService.certificate}`,
    );
  }
  writeFileSync(join(root, 'config.yml'), `${lines.join('\n')}\n`);
  mkdirSync(join(root, 'data'));
  const log: string[] = [];
  const child: ChildProcess = spawn('docker-registry', ['serve', join(root, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilServing(`${ca ? 'https' : 'http'}://127.0.0.1:${port}/v2/`, ca, log);
  return {
    address: `127.0.0.1:${port}`,
    ...(ca && { ca }),
    root,
    requests: () => accessLog(log).map(({ method, path }) => `${method} ${path}`),
    responses: () =>
      accessLog(log).map(({ method, path, status, bytes }) => `${method} ${path} ${status} ${bytes}`),
    tokenRequests: () => tokenService?.requests ?? [],
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await tokenService?.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const TOKEN_SERVICE = 'tnbuild-test-registry';
const TOKEN_ISSUER = 'tnbuild-test-token-service';

/**
 * A token service as Docker Hub and GitLab run one: Basic login in, a JWT out, signed ES256 with a key whose
 * certificate the registry trusts (`x5c` in the header), granting what the `scope` parameters ask for.
 */
async function startTokenService(
  root: string,
  login: { username: string; password: string },
): Promise<{
  realm: string;
  certificate: string;
  requests: { scopes: string[]; loggedIn: boolean }[];
  stop(): Promise<void>;
}> {
  selfSigned(root, 'token', 'tnbuild test token signer');
  const key = createPrivateKey(readFileSync(join(root, 'token.key')));
  const der = new X509Certificate(readFileSync(join(root, 'token.crt'))).raw.toString('base64');
  const expected = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  const requests: { scopes: string[]; loggedIn: boolean }[] = [];
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const loggedIn = request.headers.authorization === expected;
    requests.push({ scopes, loggedIn });
    if (!loggedIn) return void response.writeHead(401).end();
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: TOKEN_ISSUER,
      sub: login.username,
      aud: TOKEN_SERVICE,
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: String(requests.length),
      access: scopes.flatMap((scope) => {
        const [type, name, actions] = scope.split(':');
        return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
      }),
    };
    const unsigned = `${base64url({ typ: 'JWT', alg: 'ES256', x5c: [der] })}.${base64url(claims)}`;
    const signature = sign('sha256', Buffer.from(unsigned), { key, dsaEncoding: 'ieee-p1363' });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ token: `${unsigned}.${signature.toString('base64url')}` }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certificate: join(root, 'token.crt'),
    requests,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}

/** `<name>.key` and a self-signed `<name>.crt` (P-256, two days) in `root`. */
function selfSigned(root: string, name: string, commonName: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ],
    { cwd: root, stdio: 'pipe' },
  );
}

function makeCertificates(root: string): string {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: root, stdio: 'pipe' });
  selfSigned(root, 'ca', 'tnbuild test CA');
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(root, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  return join(root, 'ca.crt');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url: string, ca: string | undefined, log: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const status = await new Promise<number>((resolve) => {
      const client = url.startsWith('https') ? https : http;
      const request = client.get(url, { ...(ca && { ca: [readFileSync(ca, 'utf8')] }) }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(0));
    });
    if (status === 200 || status === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the registry did not start:\n${log.join('')}`);
}

/** `127.0.0.1 - - [date] "GET /v2/… HTTP/1.1" 206 1234 "" "agent"`, the combined log format distribution writes. */
function accessLog(
  log: readonly string[],
): { method: string; path: string; status: string; bytes: string }[] {
  return log
    .join('')
    .split('\n')
    .flatMap((line) => {
      const match = /"(GET|HEAD|POST|PATCH|PUT|DELETE) ([^ ]+) HTTP\/[\d.]+" (\d+) (\d+|-)/.exec(line);
      return match ? [{ method: match[1]!, path: match[2]!, status: match[3]!, bytes: match[4]! }] : [];
    });
}
