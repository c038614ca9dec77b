import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { TnbuildError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../host/command-runner.ts';
import { sleepFor } from './serial-console.ts';
import { awaitSshBanner, bannerWaitSeconds, NO_BANNER } from './ssh-banner.ts';
import { whatSshSaw } from './what-ssh-saw.ts';

export interface WaitForSshOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: string;
  /** @default 300000 */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Checked while waiting: a reason here (QEMU exited) ends the wait at once. */
  readonly stopped?: () => string | undefined;
  /** The longest pause between attempts (they back off from 500 ms; one without a banner is a bare TCP probe). @default 1000 */
  readonly maxPauseMs?: number;
}

export interface SshReady {
  /** `SHA256:…` as OpenSSH prints it; the provisioner pins it. */
  readonly hostKeySha256: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

/** OpenSSH's fingerprint format: unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintSha256(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
}

function tryOnce(
  options: WaitForSshOptions,
  timeoutMs: number,
  onHostKey: (fingerprint: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKey: string | undefined;
    // An interrupt ends the attempt at once, not when a guest that accepts TCP but never answers times out.
    const onAbort = (): void => {
      client.end();
      reject(new Error('interrupted'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('close', () => options.signal?.removeEventListener('abort', onAbort));
    client.once('ready', () => {
      client.end();
      resolve(hostKey ?? '');
    });
    client.on('error', (error) => {
      client.end();
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before authentication')));
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        hostKey = fingerprintSha256(key);
        onHostKey(hostKey);
        return true;
      },
    });
  });
}

/**
 * Waits for the guest's sshd to accept the build key, with backoff and a deadline, and records its host key.
 * User-mode networking accepts TCP on a forwarded port before the guest listens, so only a login proves readiness;
 * each attempt first waits briefly for sshd's banner (`awaitSshBanner`) and logs in only once one came.
 */
export async function waitForSsh(options: WaitForSshOptions): Promise<SshReady> {
  const logger = options.logger ?? silentLogger;
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 300_000);
  let delay = 500;
  let attempts = 0;
  let lastError = 'no attempt';
  let hostKeySeen: string | undefined;
  let bannerTimeouts = 0;
  for (;;) {
    if (options.signal?.aborted)
      throw new TnbuildError('TNB306', 'the build was interrupted while waiting for SSH');
    const stopped = options.stopped?.();
    if (stopped !== undefined) throw new TnbuildError('TNB400', `SSH never came up: ${stopped}`);
    attempts += 1;
    try {
      const bannerWaitMs = Math.min(bannerWaitSeconds(bannerTimeouts) * 1000, deadline - Date.now());
      await awaitSshBanner(options, Math.max(1000, bannerWaitMs), options.signal);
      const hostKeySha256 = await tryOnce(
        options,
        Math.max(1000, Math.min(20_000, deadline - Date.now())),
        (seen) => {
          hostKeySeen = seen;
        },
      );
      return { hostKeySha256, attempts, elapsedMs: Date.now() - started };
    } catch (error) {
      lastError = (error as Error).message;
      bannerTimeouts = NO_BANNER.test(lastError) ? bannerTimeouts + 1 : 0;
      logger.debug(
        `ssh ${options.username}@${options.host}:${options.port} attempt ${attempts}: ${lastError}`,
      );
    }
    if (Date.now() + delay > deadline) {
      throw new TnbuildError(
        'TNB400',
        `sshd on ${options.host}:${options.port} did not accept the build key within ${Math.round((Date.now() - started) / 1000)} s`,
        {
          details: [`${attempts} attempts; last error: ${lastError}`, whatSshSaw(lastError, hostKeySeen)],
        },
      );
    }
    await sleepFor(delay, options.signal).catch(() => undefined);
    delay = Math.min(options.maxPauseMs ?? 1000, Math.round(delay * 1.5));
  }
}
