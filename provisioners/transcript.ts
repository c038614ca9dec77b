import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** A JSON-lines log of a provisioning run, one object a line; every write is flushed in order. */
export interface Transcript {
  write(entry: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function openTranscript(file: string | undefined): Promise<Transcript> {
  if (!file) return { write() {}, close: async () => {} };
  await mkdir(path.dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return {
    write(entry) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
  };
}
