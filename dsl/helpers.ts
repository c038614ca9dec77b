import type { ArtifactInput, StepInput } from './schema.ts';

// Thin factories returning plain objects tagged with `type`; the schema checks them like hand-written objects.

type StepOf<T extends StepInput['type']> = Extract<StepInput, { type: T }>;
type Options<T extends StepInput['type'], K extends keyof StepOf<T>> = Omit<StepOf<T>, 'type' | K>;

export function packages(names: string[], options: Options<'package', 'names'> = {}): StepOf<'package'> {
  return { type: 'package', names, ...options };
}

export function user(name: string, options: Options<'user', 'user'> = {}): StepOf<'user'> {
  return { type: 'user', user: name, ...options };
}

export function file(path: string, options: Options<'file', 'path'>): StepOf<'file'> {
  return { type: 'file', path, ...options };
}

export function directory(
  path: string,
  options: Omit<Options<'file', 'path'>, 'state' | 'content' | 'source'> = {},
): StepOf<'file'> {
  return { type: 'file', path, state: 'directory', ...options };
}

export function template(
  path: string,
  source: string,
  options: Options<'template', 'path' | 'source'> = {},
): StepOf<'template'> {
  return { type: 'template', path, source, ...options };
}

export function service(name: string, options: Options<'service', 'service'> = {}): StepOf<'service'> {
  return { type: 'service', service: name, ...options };
}

export function sysctl(
  settings: StepOf<'sysctl'>['settings'],
  options: Options<'sysctl', 'settings'> = {},
): StepOf<'sysctl'> {
  return { type: 'sysctl', settings, ...options };
}

export function network(address: string, options: Options<'network', 'address'> = {}): StepOf<'network'> {
  return { type: 'network', address, ...options };
}

export function download(
  artifact: ArtifactInput,
  dest: string,
  options: Options<'download', 'artifact' | 'dest'> = {},
): StepOf<'download'> {
  return { type: 'download', artifact, dest, ...options };
}

export function shell(run: string, options: Options<'shell', 'run'> = {}): StepOf<'shell'> {
  return { type: 'shell', run, ...options };
}
