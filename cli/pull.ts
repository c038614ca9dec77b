import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../dsl/arch.ts';
import { TnbuildError } from '../errors/index.ts';
import { createReleaseProgressListener, pullRelease } from '../release/index.ts';
import { openTemplateStore } from '../templates/index.ts';
import type { DownloadFlags } from './fetch-options.ts';
import type { GlobalOptions } from './global-options.ts';
import { createConsoleLogger, isInteractive } from './output.ts';
import { type RegistryFlags, registryOptions } from './push.ts';

export interface PullCommandOptions extends GlobalOptions, DownloadFlags, RegistryFlags {
  /** allowed_signers file, .pub file or key. @default $TNBUILD_TRUSTED_KEYS, else ~/.config/tnbuild/allowed_signers */
  readonly trustedKeys?: string;
  /** `--arch` given on the command line: a release for another architecture is refused (TNB607). */
  readonly requireArch?: Arch;
}

/** `tnbuild pull <dir|url|registry reference>`: verify a release against trusted keys and import its template; no build. */
export async function pull(source: string, options: PullCommandOptions): Promise<string[]> {
  const trustedKeys = await chooseTrustedKeys(options.trustedKeys);
  const store = openTemplateStore({ root: join(options.output, 'templates') });
  const logger = createConsoleLogger(options.verbose);
  const result = await pullRelease({
    source,
    registry: registryOptions(options),
    trustedKeys,
    ...(options.requireArch && { arch: options.requireArch }),
    store,
    fetch: {
      ...(options.cache !== undefined && { cacheDir: options.cache }),
      ...(options.mirror !== undefined && { mirror: options.mirror }),
      offline: Boolean(options.offline),
    },
    logger,
    onProgress: createReleaseProgressListener({
      interactive: isInteractive(),
      writeLine: (line) => logger.info(line),
      writeStatus: (text) => process.stderr.write(text),
    }),
  });
  const { release, template, signer } = result;
  return [
    `${release.name} ${release.version} (${release.arch}) from ${result.from}`,
    `  signed by ${signer.principal} (${signer.fingerprint}); every file matches SHA256SUMS`,
    result.alreadyStored
      ? `  template ${template.name} was already in ${store.root}`
      : `  imported as template ${template.name} in ${store.root}`,
  ];
}

async function chooseTrustedKeys(flag: string | undefined): Promise<string> {
  const given = flag ?? process.env.TNBUILD_TRUSTED_KEYS;
  if (given) return given;
  const fallback = join(homedir(), '.config', 'tnbuild', 'allowed_signers');
  if (
    await access(fallback).then(
      () => true,
      () => false,
    )
  )
    return fallback;
  throw new TnbuildError(
    'TNB603',
    'no trusted keys given: a release is only imported when a key you trust signed it',
    {
      hint: `Pass --trusted-keys (the publisher's .pub file, key, or an allowed_signers file), set TNBUILD_TRUSTED_KEYS, or write ${fallback}.`,
    },
  );
}
