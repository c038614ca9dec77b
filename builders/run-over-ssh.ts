import ssh2 from 'ssh2';
import { TnbuildError } from '../errors/index.ts';
import { fingerprintSha256 } from './wait-for-ssh.ts';

/** Where and as whom to run, with the host key recorded at first contact. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: string;
  readonly hostKeySha256: string;
}

export interface SshCommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** undefined when the connection ended before the command did (a `poweroff`). */
  readonly exitCode: number | undefined;
}

/** Runs one command with the build key; a different host key is TNB403, never trusted silently. */
export function runOverSsh(
  target: SshTarget,
  command: string,
  options: { timeoutMs?: number } = {},
): Promise<SshCommandResult> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let seenKey = '';
    let stdout = '';
    let stderr = '';
    let exitCode: number | undefined;
    const timer = setTimeout(() => {
      client.end();
      reject(
        new TnbuildError('TNB402', `\`${command}\` over SSH did not finish within ${options.timeoutMs} ms`),
      );
    }, options.timeoutMs ?? 60_000);
    const done = (outcome: () => void): void => {
      clearTimeout(timer);
      outcome();
    };
    client.on('error', (error) => {
      if (seenKey && seenKey !== target.hostKeySha256) {
        done(() =>
          reject(
            new TnbuildError(
              'TNB403',
              `the guest presented host key ${seenKey}, not ${target.hostKeySha256}`,
            ),
          ),
        );
      } else
        done(() =>
          reject(new TnbuildError('TNB400', `SSH to ${target.host}:${target.port} failed: ${error.message}`)),
        );
    });
    client.once('ready', () => {
      client.exec(command, (error, stream) => {
        if (error) return done(() => reject(new TnbuildError('TNB400', `SSH exec failed: ${error.message}`)));
        stream.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        stream.once('exit', (code: number | null) => {
          exitCode = code ?? undefined;
        });
        stream.once('close', () => client.end());
      });
    });
    client.once('close', () => done(() => resolve({ stdout, stderr, exitCode })));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => {
        seenKey = fingerprintSha256(key);
        return seenKey === target.hostKeySha256;
      },
    });
  });
}
