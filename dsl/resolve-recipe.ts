import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sharedFileDigests } from '../host/file-digest.ts';
import { displayPath } from './load-recipe-file.ts';
import type { RecipeIssue } from './recipe-issue.ts';
import { renderTemplate, TemplateVariableError } from './render-template.ts';
import type {
  LocalFile,
  PerArch,
  PresetTimeouts,
  ResolvedArtifact,
  ResolvedChecksum,
  ResolvedConsoleInstaller,
  ResolvedConsoleStep,
  ResolvedInstaller,
  ResolvedRecipe,
  ResolvedSource,
  ResolvedStep,
} from './resolved-recipe.ts';
import type { Arch, RecipeOutput, Step } from './schema.ts';
import { parseDuration, parseSize } from './size.ts';

type ArtifactOutput = Extract<Step, { type: 'download' }>['artifact'];
type ChecksumOutput = Extract<ArtifactOutput['checksum'], string | { file: string }>;

const DEFAULTS = { cpus: 2, memory: 2 * 2 ** 30, disk: 8 * 2 ** 30, arches: ['aarch64', 'x86_64'] as Arch[] };
export const ALPINE_MIRROR = 'https://dl-cdn.alpinelinux.org/alpine';

/**
 * RecipeInput (parsed) → ResolvedRecipe: defaults filled, paths absolute, local files hashed, templates rendered.
 * Problems go to `issues`; the caller reports them all at once.
 */
export function resolveRecipe(
  input: RecipeOutput,
  context: { name: string; file: string; parent?: ResolvedRecipe; issues: RecipeIssue[] },
): ResolvedRecipe {
  const { file, parent, issues } = context;
  const shownFile = displayPath(file);
  const report = (field: string, message: string) => issues.push({ file: shownFile, field, message });
  const readLocal = (
    field: string,
    relativePath: string,
    as: 'text' | 'hash' = 'text',
  ): (LocalFile & { content: string }) | undefined => {
    const path = resolve(dirname(file), relativePath);
    try {
      // A big file (an installer's rootfs) is hashed once, then known by its stat.
      if (as === 'hash') return { path, sha256: sharedFileDigests().sha256(path), content: '' };
      const bytes = readFileSync(path);
      return {
        path,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        content: bytes.toString('utf8'),
      };
    } catch {
      report(field, `file "${relativePath}" not found (looked for ${displayPath(path)})`);
      return undefined;
    }
  };

  const vars = { ...parent?.vars, ...input.vars };
  const secrets = { ...parent?.secrets, ...input.secrets };
  if ('secrets' in vars)
    report('vars.secrets', "is reserved: templates read the recipe's `secrets` as {{secrets.<name>}}");
  const render = (
    field: string,
    template: LocalFile & { content: string },
    extra: Record<string, unknown> = {},
  ) => {
    try {
      return renderTemplate(template.content, { ...vars, secrets, ...extra });
    } catch (error) {
      if (!(error instanceof TemplateVariableError)) throw error;
      const where =
        error.line === undefined ? displayPath(template.path) : `${displayPath(template.path)}:${error.line}`;
      report(field, `template ${where} ${error.message}; add it to the recipe's \`vars\` (or the step's)`);
      return '';
    }
  };

  const source = resolveSource(input.source, parent, readLocal);
  const os = input.os ?? parent?.os ?? { family: 'alpine' as const, release: '3.22' };
  if (!input.os && !parent)
    report(
      'os',
      'is required for a recipe that installs from an ISO (e.g. { family: "alpine", release: "3.22" })',
    );
  const name = input.name ?? context.name;

  const steps: ResolvedStep[] = [];
  if (input.packages?.length) {
    steps.push({
      type: 'package',
      field: 'packages',
      name: `packages: ${input.packages.join(' ')}`,
      names: input.packages,
      state: 'present',
    });
  }
  input.users?.forEach((user, index) => {
    steps.push(resolveUser(user, `users[${index}]`));
  });
  if (input.sysctl && Object.keys(input.sysctl).length) {
    steps.push(resolveSysctl({ settings: input.sysctl }, 'sysctl'));
  }
  const network = input.network && {
    address: input.network.ula,
    prefix: input.network.prefix ?? 64,
    interface: input.network.interface ?? 'eth1',
  };
  if (network) {
    steps.push({
      type: 'network',
      field: 'network',
      name: `network: ${network.interface} ${network.address}/${network.prefix}`,
      ...network,
    });
  }
  input.steps?.forEach((step, index) => {
    const field = `steps[${index}]`;
    const resolved = resolveStep(step, field, readLocal, render);
    if (resolved) steps.push(resolved);
  });

  return {
    name,
    file,
    description: input.description ?? '',
    os,
    arches: input.arch ?? parent?.arches ?? DEFAULTS.arches,
    source,
    machine: {
      cpus: input.machine?.cpus ?? parent?.machine.cpus ?? DEFAULTS.cpus,
      memoryBytes: sizeBytes(input.machine?.memory) ?? parent?.machine.memoryBytes ?? DEFAULTS.memory,
      diskBytes: sizeBytes(input.machine?.disk) ?? parent?.machine.diskBytes ?? DEFAULTS.disk,
    },
    vars,
    secrets,
    ports: input.ports ?? [],
    ...(network && { network }),
    steps,
    checks: (input.checks ?? []).map((check) =>
      check.type === 'http' ? { ...check, status: check.status ?? 200 } : check,
    ),
    seal: {
      lockRoot: input.seal?.lockRoot ?? true,
      zeroFreeSpace: input.seal?.zeroFreeSpace ?? true,
      compress: input.seal?.compress ?? false,
    },
    vm: {
      name: input.vm?.name ?? `trustnet-${name}`,
      user: input.vm?.user ?? 'root',
      firstBoot: input.vm?.firstBoot ?? [],
    },
  };
}

function sizeBytes(value: string | { bytes: number } | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? parseSize(value) : value.bytes;
}

type ReadLocal = (
  field: string,
  relativePath: string,
  as?: 'text' | 'hash',
) => (LocalFile & { content: string }) | undefined;
type Render = (
  field: string,
  template: LocalFile & { content: string },
  extra?: Record<string, unknown>,
) => string;

function resolveSource(
  source: RecipeOutput['source'],
  parent: ResolvedRecipe | undefined,
  readLocal: ReadLocal,
): ResolvedSource {
  if (source.type === 'parent') {
    // A missing or cyclic parent is reported by the caller, which knows the whole recipe set.
    return { type: 'parent', parent: parent as ResolvedRecipe };
  }
  if (source.type === 'netboot') {
    const bootFile = (field: string, value: string | ArtifactOutput): LocalFile | ResolvedArtifact => {
      if (typeof value !== 'string') return resolveArtifact(value);
      const local = readLocal(field, value, 'hash');
      // An unreadable file is reported by readLocal; the placeholder never reaches a build.
      return local ? { path: local.path, sha256: local.sha256 } : { path: value, sha256: '' };
    };
    return {
      type: 'netboot',
      kernel: bootFile('source.kernel', source.kernel),
      initrd: bootFile('source.initrd', source.initrd),
      cmdline: source.cmdline,
      installer: resolveConsoleInstaller(source.installer, readLocal, true),
    };
  }
  return {
    type: 'iso',
    iso: resolveArtifact(source.iso),
    installer: resolveInstaller(source.installer, readLocal),
  };
}

function resolveInstaller(
  installer: Extract<RecipeOutput['source'], { type: 'iso' }>['installer'],
  readLocal: ReadLocal,
): ResolvedInstaller {
  if (installer.type === 'alpine') {
    return {
      type: 'alpine',
      keymap: installer.keymap ?? 'us us',
      timezone: installer.timezone ?? 'UTC',
      mirror: installer.mirror ?? ALPINE_MIRROR,
      community: installer.community ?? true,
      failOn: installer.failOn ?? [],
      qemuArgs: installer.qemuArgs ?? [],
      timeouts: resolvePresetTimeouts(installer.timeouts),
    };
  }
  if (installer.type === 'console') return resolveConsoleInstaller(installer, readLocal);
  const answer =
    installer.answer === undefined ? undefined : readLocal('source.installer.answer', installer.answer);
  const files: Record<string, LocalFile | ResolvedArtifact> = {};
  for (const [name, value] of Object.entries(installer.files ?? {})) {
    const file = resolveServedFile(name, value, readLocal);
    if (file) files[name] = file;
  }
  return {
    type: 'script',
    bootLabel: installer.bootLabel ?? 'install',
    ...(answer && { answer }),
    files,
    failOn: installer.failOn ?? [],
    qemuArgs: installer.qemuArgs ?? [],
    timeouts: resolvePresetTimeouts(installer.timeouts),
  };
}

function resolvePresetTimeouts(
  timeouts: { boot?: string; install?: string; reboot?: string } | undefined,
): PresetTimeouts {
  const ms = (text: string | undefined) => (text === undefined ? undefined : parseDuration(text));
  const [bootMs, installMs, rebootMs] = [ms(timeouts?.boot), ms(timeouts?.install), ms(timeouts?.reboot)];
  return {
    ...(bootMs !== undefined && { bootMs }),
    ...(installMs !== undefined && { installMs }),
    ...(rebootMs !== undefined && { rebootMs }),
  };
}

function resolveServedFile(
  name: string,
  value: string | ArtifactOutput,
  readLocal: ReadLocal,
): LocalFile | ResolvedArtifact | undefined {
  if (typeof value !== 'string') return resolveArtifact(value);
  const local = readLocal(`source.installer.files.${name}`, value, 'hash');
  return local && { path: local.path, sha256: local.sha256 };
}

type ConsoleInstallerOutput = Extract<RecipeOutput['source'], { type: 'netboot' }>['installer'];
type ConsoleStepOutput = ConsoleInstallerOutput['boot'][number];

const DEFAULT_ECHO_MS = 10_000;

function resolveConsoleStep(step: ConsoleStepOutput): ResolvedConsoleStep {
  const ms = (text: string) => parseDuration(text) ?? 0;
  if (step.expect !== undefined) return { expect: step.expect, timeoutMs: ms(step.timeout ?? '0s') };
  if (step.wait !== undefined) return { waitMs: ms(step.wait) };
  const echo =
    step.echo === true ? DEFAULT_ECHO_MS : typeof step.echo === 'string' ? ms(step.echo) : undefined;
  return {
    send: step.send ?? '',
    ...(step.pace !== undefined && { paceMs: ms(step.pace) }),
    ...(echo !== undefined && { echoTimeoutMs: echo }),
  };
}

/** `netboot`: the guest boots a kernel QEMU was given, so after the install it boots the disk (not a reboot). */
function resolveConsoleInstaller(
  installer: ConsoleInstallerOutput,
  readLocal: ReadLocal,
  netboot = false,
): ResolvedConsoleInstaller {
  const files: Record<string, LocalFile | ResolvedArtifact> = {};
  const templates: Record<string, LocalFile & { content: string }> = {};
  for (const [name, value] of Object.entries(installer.files ?? {})) {
    if (typeof value === 'object' && 'template' in value) {
      const template = readLocal(`source.installer.files.${name}.template`, value.template);
      if (template) templates[name] = template;
    } else {
      const file = resolveServedFile(name, value, readLocal);
      if (file) files[name] = file;
    }
  }
  const { end } = installer;
  return {
    type: 'console',
    boot: installer.boot.map(resolveConsoleStep),
    end:
      end.ssh !== undefined
        ? { ssh: true }
        : end.powerOff !== undefined
          ? { powerOff: true, timeoutMs: parseDuration(end.timeout ?? '0s') ?? 0 }
          : { console: end.console ?? '', timeoutMs: parseDuration(end.timeout ?? '0s') ?? 0 },
    failOn: installer.failOn ?? [],
    after: installer.after ?? (end.powerOff || netboot ? 'boot-disk' : 'reboot'),
    afterBoot: (installer.afterBoot ?? []).map(resolveConsoleStep),
    files,
    templates,
    qemuArgs: installer.qemuArgs ?? [],
    user: installer.user ?? 'root',
  };
}

export function resolveArtifact(artifact: ArtifactOutput): ResolvedArtifact {
  return {
    url: expandPerArch(artifact.url),
    checksum: mapPerArch(expandPerArch(artifact.checksum), resolveChecksum),
  };
}

function resolveChecksum(checksum: ChecksumOutput): ResolvedChecksum {
  if (typeof checksum === 'string') {
    const [algorithm, value] = checksum.split(':') as ['sha256' | 'sha512', string];
    return { algorithm, value };
  }
  return { algorithm: checksum.algorithm ?? 'sha256', file: checksum.file };
}

function isPerArchObject<T>(value: T | { aarch64?: T; x86_64?: T }): value is { aarch64?: T; x86_64?: T } {
  return typeof value === 'object' && value !== null && ('aarch64' in value || 'x86_64' in value);
}

function expandPerArch<T>(value: T | { aarch64?: T; x86_64?: T }): PerArch<T> {
  if (isPerArchObject(value)) return { ...value };
  return { aarch64: value as T, x86_64: value as T };
}

function mapPerArch<T, U>(value: PerArch<T>, map: (item: T) => U): PerArch<U> {
  const result: Partial<Record<Arch, U>> = {};
  for (const [arch, item] of Object.entries(value) as [Arch, T][]) result[arch] = map(item);
  return result;
}

function resolveUser(user: Omit<Extract<Step, { type: 'user' }>, 'type'>, field: string): ResolvedStep {
  return {
    type: 'user',
    field,
    name: user.name ?? `user ${user.user}`,
    user: user.user,
    groups: user.groups ?? [],
    shell: user.shell ?? '/bin/sh',
    home: user.home ?? `/home/${user.user}`,
    authorizedKeys: user.authorizedKeys ?? [],
    system: user.system ?? false,
  };
}

function resolveSysctl(
  step: Pick<Extract<Step, { type: 'sysctl' }>, 'settings' | 'file' | 'name'>,
  field: string,
): ResolvedStep {
  const settings = Object.fromEntries(
    Object.entries(step.settings).map(([key, value]) => [key, String(value)]),
  );
  const file = step.file ?? '90-tnbuild.conf';
  return {
    type: 'sysctl',
    field,
    name: step.name ?? `sysctl ${Object.keys(settings).join(', ')}`,
    settings,
    file,
  };
}

function resolveStep(
  step: Step,
  field: string,
  readLocal: ReadLocal,
  render: Render,
): ResolvedStep | undefined {
  switch (step.type) {
    case 'package':
      return {
        type: 'package',
        field,
        name: step.name ?? `packages: ${step.names.join(' ')}`,
        names: step.names,
        state: step.state ?? 'present',
      };
    case 'user':
      return resolveUser(step, field);
    case 'sysctl':
      return resolveSysctl(step, field);
    case 'network':
      return resolveNetworkStep(step, field);
    case 'file': {
      const state = step.state ?? 'file';
      const source =
        step.source === undefined ? undefined : readLocal(`${field}.source`, step.source, 'hash');
      const owner = step.owner ?? 'root';
      return {
        type: 'file',
        field,
        name: step.name ?? `${state === 'directory' ? 'directory' : 'file'} ${step.path}`,
        path: step.path,
        state,
        ...(step.content !== undefined && { content: step.content }),
        ...(source && { source: { path: source.path, sha256: source.sha256 } }),
        mode: step.mode ?? (state === 'directory' ? '0755' : '0644'),
        owner,
        group: step.group ?? owner,
        notify: step.notify ?? [],
      };
    }
    case 'template': {
      const source = readLocal(`${field}.source`, step.source);
      if (!source) return undefined;
      const owner = step.owner ?? 'root';
      return {
        type: 'template',
        field,
        name: step.name ?? `template ${step.path}`,
        path: step.path,
        source: { path: source.path, sha256: source.sha256 },
        content: render(`${field}.source`, source, step.vars),
        mode: step.mode ?? '0644',
        owner,
        group: step.group ?? owner,
        notify: step.notify ?? [],
      };
    }
    case 'service':
      return {
        type: 'service',
        field,
        name: step.name ?? `service ${step.service}`,
        service: step.service,
        enabled: step.enabled ?? true,
        state: step.state ?? 'started',
        ...(step.define && {
          define: {
            description: step.define.description ?? step.service,
            command: step.define.command,
            args: step.define.args ?? [],
            user: step.define.user ?? 'root',
            directory: step.define.directory ?? '/',
            env: step.define.env ?? {},
            after: step.define.after ?? ['net'],
          },
        }),
      };
    case 'download':
      return {
        type: 'download',
        field,
        name: step.name ?? `download into ${step.dest}`,
        artifact: resolveArtifact(step.artifact),
        dest: step.dest,
        extract: step.extract ?? 'none',
        include: step.include ?? [],
        mode: step.mode ?? '0755',
        notify: step.notify ?? [],
      };
    case 'shell':
      return {
        type: 'shell',
        field,
        name: step.name ?? `shell: ${step.run.split('\n')[0]}`,
        run: step.run,
        ...(step.creates !== undefined && { creates: step.creates }),
        ...(step.unless !== undefined && { unless: step.unless }),
        user: step.user ?? 'root',
        timeoutMs: parseDuration(step.timeout ?? '10m') ?? 600_000,
      };
  }
}

function resolveNetworkStep(step: Extract<Step, { type: 'network' }>, field: string): ResolvedStep {
  const [address = '', prefix] = step.address.split('/');
  const networkInterface = step.interface ?? 'eth1';
  return {
    type: 'network',
    field,
    name: step.name ?? `network: ${networkInterface} ${step.address}`,
    interface: networkInterface,
    address,
    prefix: prefix === undefined ? 64 : Number(prefix),
  };
}
