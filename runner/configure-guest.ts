import { join } from 'node:path';
import { fetchArtifact } from '../artifacts/index.ts';
import { TnbuildError } from '../errors/index.ts';
import {
  connectSsh,
  formatRecap,
  type ProvisionResult,
  provision,
  runChecks,
  type SshSession,
} from '../provisioners/index.ts';
import {
  firstBootFiles,
  firstBootInstallCommands,
  listInstalledPackages,
  sealGuest,
} from '../templates/index.ts';
import { type LayerContext, runStage } from './layer-context.ts';

export interface GuestAccess {
  readonly port: number;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly hostKeySha256: string;
}

/** The one SSH connection to a build guest, as root with the build key, its host key pinned. */
export function connectGuest(context: LayerContext, access: GuestAccess): Promise<SshSession> {
  return connectSsh({
    host: '127.0.0.1',
    port: access.port,
    username: 'root',
    privateKey: access.privateKey,
    hostKeySha256: access.hostKeySha256,
    logger: context.logger,
  });
}

/** The layer's steps over `session`, through the artifact cache, with events and a transcript in the log folder. */
export function provisionLayer(
  context: LayerContext,
  session: SshSession,
  mode: { readonly check?: boolean; readonly diff?: boolean } = {},
): Promise<ProvisionResult> {
  const { layer, recipe } = context;
  return provision({
    session,
    steps: layer.steps.map((step) => step.step),
    family: layer.os.family,
    arch: layer.arch,
    check: mode.check ?? false,
    diff: mode.diff ?? false,
    fetchArtifact: (request) => fetchArtifact(request, context.fetchOptions),
    logger: context.logger,
    onEvent: (event) => context.emit({ type: 'provision', recipe: layer.recipe, event }),
    transcriptPath: join(context.logDir, `${layer.recipe}-${mode.check ? 'check' : 'provision'}.jsonl`),
    recipeFile: recipe.file,
  });
}

/**
 * The part of a layer that happens over SSH, the same for an ISO install and a child of a template: provision,
 * run the smoke checks, install the first-boot identity service, list the packages, seal (the guest powers off).
 */
export async function configureGuest(
  context: LayerContext,
  access: GuestAccess,
): Promise<{ packages: string[] }> {
  const { layer } = context;
  const session = await connectGuest(context, access);
  try {
    await runStage(
      context,
      'provision',
      async () => {
        const result = await provisionLayer(context, session);
        if (result.error) throw result.error;
        return result;
      },
      (result) => formatRecap(result.recap),
    );
    if (layer.checks.length) {
      await runStage(
        context,
        'checks',
        async () => {
          const result = await runChecks(session, layer.checks, {
            onCheck: (report) =>
              context.emit({
                type: 'log',
                recipe: layer.recipe,
                level: 'info',
                message: `check ${report.passed ? 'passed' : 'failed'}: ${report.name}${report.passed ? '' : ` — ${report.detail}`}`,
              }),
          });
          if (!result.passed) throw result.error ?? new TnbuildError('TNB401', 'smoke checks failed');
          return result;
        },
        (result) => `${result.reports.length} passed`,
      );
    }
    return await runStage(context, 'seal', async () => {
      await installFirstBoot(session, layer.os.family);
      const packages = await listInstalledPackages(session, layer.os.family);
      await sealGuest(session, {
        family: layer.os.family,
        buildKey: access.publicKey,
        lockRoot: layer.seal.lockRoot,
        zeroFreeSpace: layer.seal.zeroFreeSpace,
        ...(context.signal && { signal: context.signal }),
      });
      return { packages };
    });
  } finally {
    await session.close();
  }
}

/** Puts the first-boot service in place, so every clone applies its own identity (keys, hostname, ULA). */
async function installFirstBoot(session: SshSession, family: 'alpine' | 'debian'): Promise<void> {
  for (const file of firstBootFiles(family)) {
    await session.writeFile(file.path, file.content, { mode: Number.parseInt(file.mode, 8) });
  }
  for (const command of firstBootInstallCommands(family)) {
    const result = await session.exec(command, { timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      throw new TnbuildError(
        'TNB401',
        `installing the first-boot service failed: ${command} exited ${result.exitCode}`,
        {
          details: result.stderr.trimEnd().split('\n').slice(-10),
        },
      );
    }
  }
}
