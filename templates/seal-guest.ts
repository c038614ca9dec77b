import { TnbuildError } from '../errors/index.ts';
import { type GuestShell, shellQuote } from './guest-shell.ts';
import { type OsFamily, renderSealScript } from './seal-script.ts';

export interface SealGuestOptions {
  readonly family: OsFamily;
  /** The build's public key line; exactly this key is removed from /root/.ssh/authorized_keys. */
  readonly buildKey: string;
  readonly lockRoot: boolean;
  readonly zeroFreeSpace: boolean;
  /** @default true: the guest powers itself off a second after the script returns. */
  readonly powerOff?: boolean;
  /** Trimming is quick; filling free space with zeros under TCG is not. @default 15 minutes */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface SealResult {
  /** What the script said it did, one line a step (`tnbuild-seal: …`). */
  readonly log: readonly string[];
}

/**
 * Seals the guest at the other end of `session` (see renderSealScript for what it removes). The last thing the
 * script does is schedule `poweroff`; the caller then waits for QEMU to exit and compacts the disk.
 */
export async function sealGuest(session: GuestShell, options: SealGuestOptions): Promise<SealResult> {
  const script = renderSealScript(options);
  const result = await session.exec(`sh -c ${shellQuote(script)}`, {
    timeoutMs: options.timeoutMs ?? 15 * 60_000,
    ...(options.signal && { signal: options.signal }),
  });
  const log = result.stdout.split('\n').filter((line) => line.startsWith('tnbuild-seal:'));
  if (result.exitCode !== 0) {
    throw new TnbuildError(
      'TNB509',
      `the seal script exited with ${result.exitCode} after: ${log.at(-1) ?? 'nothing'}`,
      {
        details: [...log, ...result.stderr.trimEnd().split('\n').slice(-15)].filter(Boolean),
      },
    );
  }
  return { log };
}
