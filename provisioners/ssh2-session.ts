import ssh2, { type Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { TnbuildError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../host/command-runner.ts';
import { fingerprintHostKey, normalizeFingerprint } from './host-key.ts';
import type { ExecOptions, ExecResult, SshSession } from './ssh-session.ts';
import { type BecomeMethod, isBecomeFailure, wrapCommand } from './wrap-command.ts';

export interface SshConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: string | Buffer;
  /** `SHA256:…` of the guest's host key as the builder recorded it; any other key fails with TNB403. */
  readonly hostKeySha256: string;
  /** @default 'none' when logging in as root, else 'sudo' */
  readonly become?: BecomeMethod;
  /** Per-command timeout when a call gives none. @default 600000 */
  readonly commandTimeoutMs?: number;
  /** @default 20000 */
  readonly connectTimeoutMs?: number;
  /** Attempts per (re)connect while the port refuses, resets or times out; never after a key mismatch or refused login. @default 5 */
  readonly connectAttempts?: number;
  /**
   * The connection counts as dropped after 6 unanswered keepalives (a TCG guest busy installing packages can be slow
   * to answer). @default 10000
   */
  readonly keepaliveIntervalMs?: number;
  readonly logger?: Logger;
}

/** Opens the one connection a guest's whole provisioning run uses (exec channels + one SFTP channel). */
export async function connectSsh(options: SshConnectOptions): Promise<SshSession> {
  const session = new Ssh2Session(options);
  await session.reconnect();
  return session;
}

class Ssh2Session implements SshSession {
  readonly loginUser: string;
  readonly canBecome: boolean;
  private readonly become: BecomeMethod;
  private readonly pinned: string;
  private readonly logger: Logger;
  private client: Client | undefined;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private closed = false;

  constructor(private readonly options: SshConnectOptions) {
    this.loginUser = options.username;
    this.become = options.become ?? (options.username === 'root' ? 'none' : 'sudo');
    this.canBecome = options.username === 'root' || this.become !== 'none';
    this.pinned = normalizeFingerprint(options.hostKeySha256);
    this.logger = options.logger ?? silentLogger;
  }

  private get where(): string {
    return `${this.options.username}@${this.options.host}:${this.options.port}`;
  }

  async reconnect(): Promise<void> {
    this.dropClient();
    this.closed = false;
    const attempts = this.options.connectAttempts ?? 5;
    let delay = 200;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        this.client = await this.connectOnce();
        return;
      } catch (error) {
        if (error instanceof TnbuildError) throw error;
        last = error;
        this.logger.debug(`ssh ${this.where} attempt ${attempt}: ${(error as Error).message}`);
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(3000, delay * 2);
      }
    }
    throw new TnbuildError('TNB400', `could not connect to ${this.where} after ${attempts} attempts`, {
      cause: last,
      details: [`last error: ${(last as Error)?.message ?? String(last)}`],
    });
  }

  private connectOnce(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      client.setMaxListeners(100);
      let presented: string | undefined;
      let ready = false;
      client.once('ready', () => {
        ready = true;
        client.on('error', (error) => this.logger.debug(`ssh ${this.where}: ${error.message}`));
        client.once('close', () => {
          if (this.client !== client) return;
          this.logger.debug(`ssh ${this.where}: the connection closed`);
          this.dropClient();
        });
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string }) => {
        if (ready) return;
        client.end();
        if (presented !== undefined && presented !== this.pinned) {
          reject(
            new TnbuildError(
              'TNB403',
              `${this.options.host}:${this.options.port} presented a different host key than the one pinned`,
              {
                details: [`expected ${this.pinned}`, `got      ${presented}`],
              },
            ),
          );
        } else if (error.level === 'client-authentication') {
          reject(
            new TnbuildError('TNB400', `${this.where} refused the key (${error.message})`, { cause: error }),
          );
        } else reject(error);
      });
      client.once('close', () => {
        if (!ready) reject(new Error('connection closed during the SSH handshake'));
      });
      client.connect({
        host: this.options.host,
        port: this.options.port,
        username: this.options.username,
        privateKey: this.options.privateKey,
        readyTimeout: this.options.connectTimeoutMs ?? 20_000,
        keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 6,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintHostKey(key);
          return presented === this.pinned;
        },
      });
    });
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    this.sftpChannel = undefined;
    client?.end();
  }

  /** A command is only ever sent on a live connection: reconnecting before sending is always safe. */
  private async ensureClient(): Promise<Client> {
    if (this.closed) throw new Error('the SSH session is closed');
    if (!this.client) await this.reconnect();
    return this.client as Client;
  }

  private lost(what: string): TnbuildError {
    return new TnbuildError('TNB406', `the SSH connection to ${this.where} was lost during ${what}`);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const wrapped = wrapCommand(command, {
      loginUser: this.loginUser,
      asUser: options.user,
      become: this.become,
    });
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 600_000;
    const kill = (pid: number | undefined) => this.killProcessGroup(pid);
    const run = (client: Client) =>
      this.runOnChannel(client, PID_PREFIX + wrapped, wrapped, timeoutMs, options.stdin, kill);
    let result: ExecResult;
    try {
      result = await run(await this.ensureClient()).catch(async (error: unknown) => {
        if (!(error instanceof ConnectionGone)) throw error;
        // The channel never opened, so the command never ran: reconnecting and sending it again is safe.
        this.logger.debug(`ssh ${this.where}: connection gone before a command started; reconnecting`);
        await this.reconnect();
        return run(this.client as Client);
      });
    } catch (failure) {
      if (failure === TIMED_OUT) {
        throw new TnbuildError(
          'TNB402',
          `a command did not finish within ${formatMs(timeoutMs)} and was killed`,
          {
            details: [`command: ${wrapped.length > 300 ? `${wrapped.slice(0, 300)}…` : wrapped}`],
          },
        );
      }
      if (failure instanceof TnbuildError) throw failure;
      if (failure instanceof ConnectionGone || failure instanceof ChannelLost) throw this.lost('a command');
      throw failure;
    }
    if (
      result.exitCode !== 0 &&
      wrapped !== command &&
      this.loginUser !== 'root' &&
      isBecomeFailure(result.stderr)
    ) {
      throw new TnbuildError(
        'TNB405',
        `${this.loginUser} could not become ${options.user ?? 'root'} with ${this.become}`,
        {
          details: [result.stderr.trim()],
        },
      );
    }
    return result;
  }

  /** Kills a timed-out command's process group from a second channel, as root when the session can become it. */
  private async killProcessGroup(pid: number | undefined): Promise<void> {
    const client = this.client;
    if (pid === undefined || !client) return;
    const script = `kill -KILL -- -${pid} 2>/dev/null; kill -KILL ${pid} 2>/dev/null; true`;
    const command = wrapCommand(script, {
      loginUser: this.loginUser,
      asUser: this.canBecome ? 'root' : this.loginUser,
      become: this.become,
    });
    await this.runOnChannel(client, command, command, 10_000, undefined, async () => {}).catch(
      () => undefined,
    );
  }

  /**
   * Opens an exec channel and collects the command's output and exit status. The listeners go on inside ssh2's
   * callback, synchronously: the output, exit status and close of a quick command can arrive in the same read as
   * the channel confirmation, and an exit status emitted before anyone listens is lost.
   */
  private runOnChannel(
    client: Client,
    sent: string,
    shown: string,
    timeoutMs: number,
    stdin: string | Buffer | undefined,
    kill: (pid: number | undefined) => Promise<void>,
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const gone = () => reject(new ConnectionGone());
      client.once('close', gone);
      client.exec(sent, (error, channel) => {
        client.removeListener('close', gone);
        if (!error) {
          collectChannel(channel, shown, timeoutMs, stdin, kill).then(resolve, reject);
        } else if (
          this.client !== client ||
          /not connected|no response|closed|ECONNRESET|EPIPE/i.test(error.message)
        ) {
          if (this.client === client) this.dropClient();
          reject(new ConnectionGone());
        } else reject(error);
      });
    });
  }

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.ensureClient();
    if (!this.sftpChannel) {
      const opening = new Promise<SFTPWrapper>((resolve, reject) => {
        client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
      });
      this.sftpChannel = opening;
      opening.then(
        (sftp) =>
          sftp.once('close', () => {
            if (this.sftpChannel === opening) this.sftpChannel = undefined;
          }),
        () => {
          if (this.sftpChannel === opening) this.sftpChannel = undefined;
        },
      );
    }
    return this.sftpChannel;
  }

  private async withSftp(
    what: string,
    action: (sftp: SFTPWrapper, done: (error?: Error | null) => void) => void,
  ): Promise<void> {
    const client = this.client;
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => {
      action(sftp, (error) => {
        if (!error) resolve();
        else if (this.client !== client || !this.client) reject(this.lost(what));
        else reject(new Error(`${what}: ${error.message}`));
      });
    });
  }

  writeFile(
    remotePath: string,
    data: Buffer | string,
    options: { readonly mode?: number } = {},
  ): Promise<void> {
    return this.withSftp(`writing ${remotePath} over SFTP`, (sftp, done) =>
      sftp.writeFile(remotePath, data, { mode: options.mode ?? 0o600 }, done),
    );
  }

  uploadFile(localPath: string, remotePath: string, options: { readonly mode?: number } = {}): Promise<void> {
    return this.withSftp(`uploading ${remotePath} over SFTP`, (sftp, done) =>
      sftp.fastPut(localPath, remotePath, { mode: options.mode ?? 0o600 }, done),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dropClient();
  }
}

const TIMED_OUT = Symbol('timed out');

/** The connection went away before a channel opened. */
class ConnectionGone extends Error {}

/** A channel closed without an exit status: the connection went away while the command ran. */
class ChannelLost extends Error {}

/**
 * Every command is sent behind `printf '\036%s\036' "$$" >&2`: the login shell's pid, which sshd made a session
 * leader, so the whole process group can be killed on a timeout. sshd's own `signal` request is refused for root
 * logins ("session signalling requires privilege separation": OpenSSH skips post-auth privsep for root).
 */
export const PID_PREFIX = `printf '\\036%s\\036' "$$" >&2\n`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pid is framed by RS (0x1e) on purpose.
const PID_MARK = /^\x1e(\d+)\x1e/;

function collectChannel(
  channel: ClientChannel,
  command: string,
  timeoutMs: number,
  stdin: string | Buffer | undefined,
  kill: (pid: number | undefined) => Promise<void>,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exitCode: number | undefined;
    let exitSignal: string | undefined;
    let timedOut = false;
    const pidOf = (): number | undefined => {
      const match = PID_MARK.exec(Buffer.concat(stderr).subarray(0, 32).toString('latin1'));
      return match ? Number(match[1]) : undefined;
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void kill(pidOf()).finally(() => channel.close());
    }, timeoutMs);
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('exit', (code: number | null, signal?: string) => {
      if (typeof code === 'number') exitCode = code;
      else exitSignal = signal ?? 'unknown';
    });
    channel.on('close', () => {
      clearTimeout(timer);
      if (timedOut) return reject(TIMED_OUT);
      // sshd always reports an exit status or signal before it closes a channel; silence means the connection went.
      if (exitCode === undefined && exitSignal === undefined) return reject(new ChannelLost());
      const err = Buffer.concat(stderr).toString('utf8').replace(PID_MARK, '');
      resolve({
        command,
        exitCode: exitCode ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: exitSignal === undefined ? err : `${err}(killed by signal ${exitSignal})\n`,
      });
    });
    channel.end(stdin);
  });
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
