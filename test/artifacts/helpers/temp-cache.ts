import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Logger } from '../../../host/command-runner.ts';

const made: string[] = [];

/** A fresh folder removed after the test. */
export async function makeTempDir(label = 'tnbuild-artifacts-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), label));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha512(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}

/** Deterministic-length random content, so a wrong byte anywhere changes the hash. */
export function makeBytes(size: number): Buffer {
  return randomBytes(size);
}

/** Every file under `root` except in tmp/, as relative paths: what a failed fetch must not leave behind. */
export async function filesOutsideTmp(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((relative) => !relative.startsWith(`tmp${path.sep}`))
    .sort();
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

export interface CapturedLogger extends Logger {
  readonly warnings: string[];
  readonly infos: string[];
}

export function captureLogger(): CapturedLogger {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    info: (message) => infos.push(message),
    warn: (message) => warnings.push(message),
    debug() {},
  };
}
