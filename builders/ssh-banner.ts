import { connect } from 'node:net';

/**
 * How long the next attempt waits for sshd's banner. Until a guest's network is up, QEMU's user-mode forward
 * accepts the connection and its SYNs to the guest go unanswered, so an attempt then can only time out: a short
 * wait starts the next attempt soon after sshd listens (a 10–20 s wait made builds and clones answer up to 5 s
 * late). Each further banner timeout in a row waits a second longer, up to 10 s, so a guest too loaded to send its
 * banner within 3 s is still reached.
 */
export function bannerWaitSeconds(bannerTimeoutsInARow: number): number {
  return Math.min(10, 3 + bannerTimeoutsInARow);
}

/** The message a banner wait that ran out rejects with (whatSshSaw reads it). */
export const NO_BANNER = /no SSH banner within/;

/**
 * Resolves once the server's identification line ("SSH-2.0-…", RFC 4253 4.2: lines before it are allowed) arrives
 * on a fresh connection, which is then closed; rejects with what happened instead. Cheap enough to poll often: no
 * key exchange until a banner proves sshd is there.
 */
export function awaitSshBanner(
  target: { readonly host: string; readonly port: number },
  waitMs: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(new Error('interrupted'));
    timer = setTimeout(() => finish(new Error(`no SSH banner within ${waitMs / 1000} s`)), waitMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (/(^|\n)SSH-/.test(received)) finish();
      else if (received.length > 8192) finish(new Error('not an SSH server: no banner in its first 8 KiB'));
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('connection closed before an SSH banner')));
  });
}
