import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { redactSecrets } from '../host/secret-values.ts';

/** A JSON-lines log of a provisioning run, one object a line; every write is flushed in order. */
export interface Transcript {
  write(entry: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function openTranscript(file: string | undefined): Promise<Transcript> {
  if (!file) return { write() {}, close: async () => {} };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // A transcript holds command output: only its owner reads it, and no known secret is ever written to it.
  const stream: WriteStream = createWriteStream(file, { flags: 'w', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return {
    write(entry) {
      stream.write(`${redactSecrets(JSON.stringify({ time: new Date().toISOString(), ...entry }))}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
  };
}
