import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import type { CommandRunner } from '../host/command-runner.ts';
import { SIGNATURE_FILE, SIGNATURE_NAMESPACE, SUMS_FILE } from './release-layout.ts';

export interface VerifiedSignature {
  /** The allowed_signers principal whose key made the signature. */
  readonly principal: string;
  /** `SHA256:…` of that key. */
  readonly fingerprint: string;
}

/**
 * Verifies the exact bytes of SHA256SUMS (held in memory; what is checked is what gets parsed) against its signature
 * with the trusted keys, as a downstream user would with `ssh-keygen -Y verify`: first which trusted principal's key
 * made the signature (TNB602 when none did), then the signature itself under the tnbuild-release namespace (TNB600
 * when SHA256SUMS changed after signing).
 */
export async function verifySumsSignature(
  runner: CommandRunner,
  input: {
    readonly sums: Buffer;
    readonly signature: Buffer;
    readonly allowedSigners: string;
    /** How the user gave the trusted keys (the path or the key), for messages. */
    readonly trustedKeysLabel: string;
    readonly scratchDir: string;
  },
): Promise<VerifiedSignature> {
  const signaturePath = join(input.scratchDir, SIGNATURE_FILE);
  await writeFile(signaturePath, input.signature);
  const found = await runner.run(
    'ssh-keygen',
    ['-Y', 'find-principals', '-s', signaturePath, '-f', input.allowedSigners],
    { input: '', reject: false },
  );
  if (found.exitCode !== 0) {
    await throwNoPrincipal(runner, found.stderr, input.trustedKeysLabel, signaturePath, input.sums);
  }
  const principal = found.stdout.trim().split('\n')[0]?.trim() ?? '';
  const verified = await runner.run(
    'ssh-keygen',
    [
      '-Y',
      'verify',
      '-f',
      input.allowedSigners,
      '-I',
      principal,
      '-n',
      SIGNATURE_NAMESPACE,
      '-s',
      signaturePath,
    ],
    { input: input.sums, reject: false },
  );
  if (verified.exitCode !== 0) {
    throw new TnbuildError(
      'TNB600',
      `${SIGNATURE_FILE} does not verify ${SUMS_FILE} for trusted signer "${principal}": ${SUMS_FILE} was changed after it was signed, or the signature was not made for a tnbuild release`,
      { details: lastLines(verified.stderr) },
    );
  }
  const fingerprint = /(SHA256:[A-Za-z0-9+/]+)/.exec(verified.stdout + verified.stderr)?.[1] ?? 'unknown';
  return { principal, fingerprint };
}

async function throwNoPrincipal(
  runner: CommandRunner,
  stderr: string,
  trustedKeysLabel: string,
  signaturePath: string,
  sums: Buffer,
): Promise<never> {
  if (/parse signature|sshsig_armor|invalid format/i.test(stderr)) {
    throw new TnbuildError('TNB600', `${SIGNATURE_FILE} is not an SSH signature`, {
      details: lastLines(stderr),
    });
  }
  const badLine = /^(.*):(\d+): (.*)$/m.exec(stderr);
  if (badLine) {
    throw new TnbuildError(
      'TNB603',
      `the trusted keys are not a valid allowed_signers file (line ${badLine[2]}: ${badLine[3]})`,
      {
        details: [`trusted keys: ${trustedKeysLabel}`],
      },
    );
  }
  // Which key did sign it? check-novalidate says so without trusting it; shown so the user can ask the publisher.
  const signer = await runner.run(
    'ssh-keygen',
    ['-Y', 'check-novalidate', '-n', SIGNATURE_NAMESPACE, '-s', signaturePath],
    { input: sums, reject: false },
  );
  const fingerprint = /(SHA256:[A-Za-z0-9+/]+)/.exec(signer.stdout + signer.stderr)?.[1];
  throw new TnbuildError(
    'TNB602',
    `${SUMS_FILE} is signed by ${fingerprint ? `key ${fingerprint}` : 'a key'}, which is not among the trusted keys`,
    { details: [`trusted keys: ${trustedKeysLabel}`] },
  );
}

function lastLines(text: string): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-3);
}
