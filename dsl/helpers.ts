import type { ArtifactInput, StepInput } from './schema.ts';

// Thin factories returning plain objects tagged with `type`; the schema checks them like hand-written objects.

type StepOf<T extends StepInput['type']> = Extract<StepInput, { type: T }>;
type Options<T extends StepInput['type'], K extends keyof StepOf<T>> = Omit<StepOf<T>, 'type' | K>;

/** Installs (or, with `state: 'absent'`, removes) packages in one batch. @example packages(['nginx', 'curl']) */
export function packages(names: string[], options: Options<'package', 'names'> = {}): StepOf<'package'> {
  return { type: 'package', names, ...options };
}

/** Creates a user (and its groups), with a managed authorized_keys. @example user('warden', { groups: ['wheel'] }) */
export function user(name: string, options: Options<'user', 'user'> = {}): StepOf<'user'> {
  return { type: 'user', user: name, ...options };
}

/** A file with literal `content` or the `source` file next to the recipe. @example file('/etc/motd', { content: 'hi\n' }) */
export function file(path: string, options: Options<'file', 'path'>): StepOf<'file'> {
  return { type: 'file', path, ...options };
}

/** A directory, created with its parents. @example directory('/var/lib/app', { owner: 'warden', mode: '0750' }) */
export function directory(
  path: string,
  options: Omit<Options<'file', 'path'>, 'state' | 'content' | 'source'> = {},
): StepOf<'file'> {
  return { type: 'file', path, state: 'directory', ...options };
}

/** A handlebars template next to the recipe, rendered with `vars` (and `secrets`). @example template('/etc/app.toml', 'files/app.toml.hbs') */
export function template(
  path: string,
  source: string,
  options: Options<'template', 'path' | 'source'> = {},
): StepOf<'template'> {
  return { type: 'template', path, source, ...options };
}

/** Enables and starts a service; `define` writes its OpenRC script or systemd unit. @example service('nginx') */
export function service(name: string, options: Options<'service', 'service'> = {}): StepOf<'service'> {
  return { type: 'service', service: name, ...options };
}

/** Kernel settings, written to /etc/sysctl.d and applied. @example sysctl({ 'net.ipv6.conf.all.forwarding': 1 }) */
export function sysctl(
  settings: StepOf<'sysctl'>['settings'],
  options: Options<'sysctl', 'settings'> = {},
): StepOf<'sysctl'> {
  return { type: 'sysctl', settings, ...options };
}

/** An IPv6 address on an interface (ifupdown). @example network('fd10:1234::1/64', { interface: 'eth1' }) */
export function network(address: string, options: Options<'network', 'address'> = {}): StepOf<'network'> {
  return { type: 'network', address, ...options };
}

/** Downloads a pinned artifact and places it (or unpacks a tar.gz) in `dest`. @example download({ url, checksum: 'sha256:…' }, '/usr/local/bin', { extract: 'tar.gz' }) */
export function download(
  artifact: ArtifactInput,
  dest: string,
  options: Options<'download', 'artifact' | 'dest'> = {},
): StepOf<'download'> {
  return { type: 'download', artifact, dest, ...options };
}

/** Runs a command; `creates` or `unless` make it idempotent. @example shell('make install', { creates: '/usr/local/bin/app' }) */
export function shell(run: string, options: Options<'shell', 'run'> = {}): StepOf<'shell'> {
  return { type: 'shell', run, ...options };
}
