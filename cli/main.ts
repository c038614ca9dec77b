import { type Command, cac } from 'cac';
import { isArch } from '../dsl/arch.ts';
import { TnbuildError } from '../errors/index.ts';
import { closestWord } from '../host/closest-word.ts';
import { tnbuildVersion } from '../host/package-root.ts';
import {
  type Action,
  actionLines,
  CACHE_ACTIONS,
  requireAction,
  TEMPLATES_ACTIONS,
  VM_ACTIONS,
} from './actions.ts';
import { type GlobalOptions, hostArch } from './global-options.ts';
import { type CommandOutput, jsonOutput, redactConsoleOutput, reportError } from './output.ts';

// Thin: parse flags into an options object, lazily import the one command asked for, print its result.
// Exit codes: 0 ok, 1 build failure, 2 bad input or usage, 3 internal bug.

const VERSION = tnbuildVersion();

type Flags = Record<string, unknown>;

function globalOptions(flags: Flags): GlobalOptions {
  const arch = flags.arch ?? hostArch();
  if (!isArch(arch)) {
    throw new TnbuildError('TNB110', `--arch must be aarch64 or x86_64, got "${String(flags.arch)}"`);
  }
  return {
    recipes: String(flags.recipes ?? 'recipes'),
    output: String(flags.output ?? 'output'),
    arch,
    verbose: Boolean(flags.verbose),
    json: Boolean(flags.json),
  };
}

function downloadFlags(flags: Flags) {
  return {
    ...(flags.cache !== undefined && { cache: String(flags.cache) }),
    ...(flags.mirror !== undefined && { mirror: String(flags.mirror) }),
    offline: Boolean(flags.offline),
  };
}

function registryFlags(flags: Flags) {
  return {
    ...(flags.ca !== undefined && { ca: String(flags.ca) }),
    ...(flags.plainHttp !== undefined && { plainHttp: Boolean(flags.plainHttp) }),
  };
}

function wholeNumber(flag: string, value: unknown): number {
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text);
  throw new TnbuildError('TNB110', `${flag} must be a whole number, got "${text}"`);
}

function parallelFlag(flags: Flags): { parallel?: number } {
  if (flags.parallel === undefined) return {};
  const parallel = wholeNumber('--parallel', flags.parallel);
  if (parallel < 1) throw new TnbuildError('TNB110', '--parallel must be at least 1, got 0');
  return { parallel };
}

const ACTIONS: Record<string, readonly Action[]> = {
  vm: VM_ACTIONS,
  templates: TEMPLATES_ACTIONS,
  cache: CACHE_ACTIONS,
};

type HelpSection = { title?: string; body: string };

/** cac's help, plus what it leaves out: the command's description, its actions, and `--version`. */
function helpSections(
  command: string | undefined,
  description: string | undefined,
  sections: HelpSection[],
): HelpSection[] {
  const [, ...rest] = sections;
  const head = {
    body: `tnbuild ${VERSION}: ${command && description ? description : 'golden VM images from TypeScript recipes'}`,
  };
  const actions = command ? ACTIONS[command] : undefined;
  const options = rest.find((section) => section.title === 'Options');
  if (!command && options) {
    // Aligned with cac's column: the first line's name, padded, then two spaces.
    const column = /^(\s+\S.*?\s{2,})\S/.exec(options.body)?.[1]?.length ?? 18;
    options.body += `\n${'  --version'.padEnd(column)}Print tnbuild’s version`;
  }
  const usage = rest.findIndex((section) => section.title === 'Usage');
  if (actions && command)
    rest.splice(usage + 1, 0, { title: 'Actions', body: actionLines(command, actions) });
  return [head, ...rest];
}

function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new TnbuildError('TNB110', `${flag} must be ${allowed.join(' | ')}, got "${String(value)}"`);
}

/** Ctrl-C or SIGTERM aborts the work in progress; its cleanup (QEMU, scratch disks, locks) runs before exit. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    console.error(`\n${signal}: stopping; cleaning up (press Ctrl-C again to quit at once)`);
    controller.abort(new TnbuildError('TNB306', `interrupted by ${signal}`));
  };
  process.on('SIGINT', abort).on('SIGTERM', abort);
  return controller.signal;
}

/** --cache, --mirror and --offline, for every command that downloads. */
function withDownloadOptions(command: Command): Command {
  return command
    .option('--cache <dir>', 'Download cache (default: $TNBUILD_CACHE or ~/.vms/cache)')
    .option(
      '--mirror <dir|url>',
      'Look for inputs in a local folder or mirror first (default: $TNBUILD_MIRROR)',
    )
    .option('--offline', 'Never contact upstream; fail with the list of what is missing');
}

function print(output: string | CommandOutput): void {
  if (typeof output === 'string') console.log(output);
  else if ('json' in output) console.log(JSON.stringify(output.json, null, 2));
  else console.log(output.join('\n'));
}

export function createCli() {
  const cli = cac('tnbuild');
  cli
    .option('--arch <arch>', 'Guest architecture: aarch64 | x86_64 (default: the host’s)')
    .option('--recipes <dir>', 'Folder holding the recipes', { default: 'recipes' })
    .option('--output <dir>', 'Folder for build products', { default: 'output' })
    .option('--verbose', 'Print debug output and stacks')
    .option(
      '--json',
      'Machine-readable output: a JSON document (plan, validate, doctor, vm list|status, templates list, cache list), JSON lines of events (recipe, install)',
    );

  cli
    .command('validate [...names]', 'Check recipes (all, or the ones named) without building')
    .option('--no-typecheck', 'Skip the TypeScript type check')
    .action(async (names: string[], flags: Flags) => {
      const { validate } = await import('./validate.ts');
      print(await validate(names, { ...globalOptions(flags), typecheck: flags.typecheck !== false }));
    });

  withDownloadOptions(
    cli.command('plan <name>', 'Show the layers, each step, the cache keys and the downloads; starts no VM'),
  ).action(async (name: string, flags: Flags) => {
    const { plan } = await import('./plan.ts');
    print(
      (await plan(name, { ...globalOptions(flags), ...downloadFlags(flags), json: Boolean(flags.json) }))
        .text,
    );
  });

  cli
    .command(
      'doctor',
      'Check the host: QEMU, qemu-img, firmware, xorriso, disk space, KVM, and the hosts the recipes download from',
    )
    .option('--mirror <dir|url>', 'The mirror builds will use (default: $TNBUILD_MIRROR)')
    .action(async (flags: Flags) => {
      const { doctor } = await import('./doctor.ts');
      const options = globalOptions(flags);
      const report = await doctor({
        ...options,
        checkDownloads: true,
        ...(flags.arch !== undefined && { onlyArch: options.arch }),
        ...(flags.mirror !== undefined && { mirror: String(flags.mirror) }),
      });
      print(options.json ? jsonOutput({ ok: report.ok, checks: report.checks }) : report.text);
      if (!report.ok) process.exitCode = 1;
    });

  withDownloadOptions(
    cli.command(
      'recipe <name> [...more]',
      'Build recipes into templates, side by side (a cache hit when nothing changed)',
    ),
  )
    .option('--force', 'Rebuild the recipe even when its template is stored')
    .option('--check', 'Report what would change (boots a throwaway clone; changes and stores nothing)')
    .option('--diff', 'With --check: show file differences')
    .option('--accel <accel>', 'auto | kvm | hvf | tcg (auto proves KVM/HVF by booting, else TCG)', {
      default: 'auto',
    })
    .option('--on-error <what>', 'remove | keep the build disk after a failure, for debugging', {
      default: 'remove',
    })
    .option('--parallel <n>', 'How many recipes build at once (default: what cores and free memory allow)')
    .action(async (name: string, more: string[], flags: Flags) => {
      const { recipe } = await import('./recipe.ts');
      print(
        await recipe([name, ...more], {
          ...globalOptions(flags),
          ...downloadFlags(flags),
          ...parallelFlag(flags),
          force: Boolean(flags.force),
          check: Boolean(flags.check),
          diff: Boolean(flags.diff),
          accel: oneOf('--accel', flags.accel, ['auto', 'kvm', 'hvf', 'tcg'] as const),
          onError: oneOf('--on-error', flags.onError, ['remove', 'keep'] as const),
          signal: interruptSignal(),
        }),
      );
    });

  withDownloadOptions(
    cli.command(
      'install [...recipes]',
      'Build or reuse the templates (default: node and registry), clone each into ~/vms and start them side by side',
    ),
  )
    .option('--replace', 'Recreate VMs that exist already')
    .option(
      '--key <file>',
      'Public key the clones let in (default: ~/.ssh/id_ed25519.pub, else one made in ~/.vms/ssh)',
    )
    .option('--accel <accel>', 'auto | kvm | hvf | tcg', { default: 'auto' })
    .option('--parallel <n>', 'How many templates build at once (default: what cores and free memory allow)')
    .action(async (names: string[], flags: Flags) => {
      const { install } = await import('./install.ts');
      print(
        await install({
          ...globalOptions(flags),
          names,
          ...downloadFlags(flags),
          ...parallelFlag(flags),
          replace: Boolean(flags.replace),
          accel: oneOf('--accel', flags.accel, ['auto', 'kvm', 'hvf', 'tcg'] as const),
          ...(flags.key !== undefined && { key: String(flags.key) }),
          signal: interruptSignal(),
        }),
      );
    });

  cli
    .command(
      'vm [action] [name] [...command]',
      'Clones in ~/vms: create <recipe> | start | stop | status | ssh | destroy | list',
    )
    .option('--name <name>', 'create: the VM name (default: the recipe’s vm.name, e.g. trustnet-node)')
    .option('--full', 'create: an independent copy instead of a linked clone')
    .option('--force', 'create: replace an existing VM; destroy: even when running')
    .option(
      '--key <file>',
      'Public key the clone lets in (default: ~/.ssh/id_ed25519.pub, else one made in ~/.vms/ssh)',
    )
    .option('--accel <accel>', 'auto | kvm | hvf | tcg', { default: 'auto' })
    .option('--wait', 'start: return once the VM lets you in over SSH (gives up after 5 min)')
    .action(async (action: string | undefined, name: string | undefined, command: string[], flags: Flags) => {
      const chosen = requireAction('vm', action, VM_ACTIONS);
      const { vm } = await import('./vm.ts');
      print(
        await vm(chosen, name, {
          ...globalOptions(flags),
          ...(flags.name !== undefined && { name: String(flags.name) }),
          full: Boolean(flags.full),
          force: Boolean(flags.force),
          wait: Boolean(flags.wait),
          ...(Boolean(flags.wait) && { signal: interruptSignal() }),
          ...(flags.key !== undefined && { key: String(flags.key) }),
          accel: oneOf('--accel', flags.accel, ['auto', 'kvm', 'hvf', 'tcg'] as const),
          // `tnbuild vm ssh NAME -- CMD …`: cac puts what follows `--` aside.
          command: [...command, ...((flags['--'] as string[] | undefined) ?? [])],
        }),
      );
    });

  cli
    .command('templates [action] [ref]', 'The template store: list | rm <name|key> | gc')
    .option('--dry-run', 'gc: only say what would be removed')
    .action(async (action: string | undefined, ref: string | undefined, flags: Flags) => {
      const chosen = requireAction('templates', action, TEMPLATES_ACTIONS);
      const { templates } = await import('./templates.ts');
      print(await templates(chosen, ref, { ...globalOptions(flags), dryRun: Boolean(flags.dryRun) }));
    });

  cli
    .command(
      'release <name>',
      'Publish the newest template of a recipe: compressed image, SHA256SUMS, manifest + SBOM, signature',
    )
    .option('--version <version>', 'Release version (default: the first 12 digits of the template key)')
    .option('--key <file>', 'ed25519 private key that signs SHA256SUMS (default: $TNBUILD_RELEASE_KEY)')
    .option('--compression <kind>', 'zstd | xz | qcow2', { default: 'zstd' })
    .action(async (name: string, flags: Flags) => {
      const { release } = await import('./release.ts');
      print(
        await release(name, {
          ...globalOptions(flags),
          ...(flags.version !== undefined && { version: String(flags.version) }),
          ...(flags.key !== undefined && { key: String(flags.key) }),
          compression: String(flags.compression),
        }),
      );
    });

  cli
    .command(
      'push <what> <reference>',
      'Push a release (its folder, or a recipe or template released first) to an OCI registry: REGISTRY/REPOSITORY:TAG',
    )
    .option('--key <file>', 'ed25519 key, when a release is made first (default: $TNBUILD_RELEASE_KEY)')
    .option('--compression <kind>', 'zstd | xz | qcow2, when a release is made first', { default: 'zstd' })
    .option('--ca <file>', 'PEM file of the CA that signs the registry’s certificate')
    .option('--plain-http', 'Speak http, not https: for a registry on a loopback address only')
    .action(async (what: string, reference: string, flags: Flags) => {
      const { push } = await import('./push.ts');
      print(
        await push(what, reference, {
          ...globalOptions(flags),
          ...(flags.key !== undefined && { key: String(flags.key) }),
          compression: String(flags.compression),
          ...registryFlags(flags),
        }),
      );
    });

  withDownloadOptions(
    cli.command(
      'pull <source>',
      'Verify a release (folder, URL or REGISTRY/REPOSITORY:TAG|@DIGEST) against trusted keys and import its template',
    ),
  )
    .option(
      '--trusted-keys <file>',
      'allowed_signers or .pub file (default: $TNBUILD_TRUSTED_KEYS, else ~/.config/tnbuild/allowed_signers)',
    )
    .option('--ca <file>', 'PEM file of the CA that signs the registry’s certificate')
    .option('--plain-http', 'Speak http, not https: for a registry on a loopback address only')
    .action(async (source: string, flags: Flags) => {
      const { pull } = await import('./pull.ts');
      print(
        await pull(source, {
          ...globalOptions(flags),
          ...downloadFlags(flags),
          ...registryFlags(flags),
          ...(flags.trustedKeys !== undefined && { trustedKeys: String(flags.trustedKeys) }),
          // Only an explicit --arch refuses a release: pulling another architecture's image is allowed.
          ...(flags.arch !== undefined && { requireArch: globalOptions(flags).arch }),
        }),
      );
    });

  withDownloadOptions(
    cli.command(
      'fetch <name>',
      'Download and verify everything a recipe needs into the cache, without building',
    ),
  ).action(async (name: string, flags: Flags) => {
    const { fetch } = await import('./fetch.ts');
    print(await fetch(name, { ...globalOptions(flags), ...downloadFlags(flags) }));
  });

  cli
    .command('cache [action]', 'Inspect the download cache: list | verify | prune')
    .option('--cache <dir>', 'Download cache (default: $TNBUILD_CACHE or ~/.vms/cache)')
    .option('--older-than <days>', 'prune: files not used for this many days')
    .option('--keep <n>', 'prune: keep the n most recently used files')
    .option('--dry-run', 'prune: only say what would be removed')
    .action(async (action: string | undefined, flags: Flags) => {
      const chosen = requireAction('cache', action, CACHE_ACTIONS);
      const { cache } = await import('./cache.ts');
      print(
        await cache(chosen, {
          ...globalOptions(flags),
          ...downloadFlags(flags),
          ...(flags.olderThan !== undefined && { olderThan: wholeNumber('--older-than', flags.olderThan) }),
          ...(flags.keep !== undefined && { keep: wholeNumber('--keep', flags.keep) }),
          dryRun: Boolean(flags.dryRun),
        }),
      );
    });

  cli.help((sections) => helpSections(cli.matchedCommand?.name, cli.matchedCommand?.description, sections));
  // No cac `cli.version()`: its global boolean `--version` would swallow `release --version X`; main() answers
  // `tnbuild --version` itself.
  return cli;
}

export async function main(argv: readonly string[]): Promise<number> {
  redactConsoleOutput();
  const cli = createCli();
  const verbose = argv.includes('--verbose');
  try {
    cli.parse([...argv], { run: false });
    // `--version` alone prints tnbuild's version; `release --version X` is the release's.
    if ((cli.options.version || cli.options.v) && !cli.matchedCommand) {
      console.log(`tnbuild/${VERSION} ${process.platform}-${process.arch} node-${process.version}`);
      return 0;
    }
    const wantsHelp = Boolean(cli.options.help);
    if (!cli.matchedCommand && !wantsHelp) {
      const given = cli.args[0];
      if (given === undefined) {
        cli.outputHelp();
        return 2;
      }
      const near = closestWord(
        given,
        cli.commands.map((command) => command.name),
      );
      throw new TnbuildError(
        'TNB110',
        `unknown command "${given}"${near ? ` — did you mean "${near}"?` : ''}`,
        {
          hint: 'Run `tnbuild --help` for the commands.',
        },
      );
    }
    if (!wantsHelp) await cli.runMatchedCommand();
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof Error && error.name === 'CACError') {
      return reportError(new TnbuildError('TNB110', error.message), verbose);
    }
    return reportError(error, verbose);
  }
}
