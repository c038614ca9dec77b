import { Client } from 'ssh2';
import { fingerprintSha256 } from '../../../builders/wait-for-ssh.ts';

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: string;
  /** The connection fails unless the guest presents this host key. */
  readonly hostKeySha256: string;
}

/** Runs one command over SSH with a pinned host key; resolves with its stdout and exit code. */
export function sshExec(target: SshTarget, command: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', reject);
    client.once('ready', () => {
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let stdout = '';
        stream.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
        });
        stream.stderr.on('data', () => {});
        stream.once('close', (code: number) => {
          client.end();
          resolve({ stdout, code });
        });
      });
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => fingerprintSha256(key) === target.hostKeySha256,
    });
  });
}
