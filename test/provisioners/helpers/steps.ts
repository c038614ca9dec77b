import type { ResolvedStep } from '../../../dsl/resolved-recipe.ts';

type StepOf<T extends ResolvedStep['type']> = Extract<ResolvedStep, { type: T }>;
type Extra<T extends ResolvedStep['type']> = Partial<Omit<StepOf<T>, 'type'>>;

let counter = 0;
const common = (type: string, name?: string) => {
  counter += 1;
  return { field: `steps[${counter}]`, name: name ?? `${type} ${counter}` };
};

/** Resolved steps with the resolver's defaults, for driving modules directly. */
export const step = {
  file: (path: string, extra: Extra<'file'> = {}): StepOf<'file'> => ({
    type: 'file',
    ...common('file', `file ${path}`),
    path,
    state: 'file',
    mode: extra.state === 'directory' ? '0755' : '0644',
    owner: 'root',
    group: 'root',
    notify: [],
    ...extra,
  }),
  template: (path: string, content: string, extra: Extra<'template'> = {}): StepOf<'template'> => ({
    type: 'template',
    ...common('template', `template ${path}`),
    path,
    source: { path: '/dev/null', sha256: '' },
    content,
    mode: '0644',
    owner: 'root',
    group: 'root',
    notify: [],
    ...extra,
  }),
  shell: (run: string, extra: Extra<'shell'> = {}): StepOf<'shell'> => ({
    type: 'shell',
    ...common('shell', `shell: ${run.split('\n')[0]}`),
    run,
    user: 'root',
    timeoutMs: 60_000,
    ...extra,
  }),
  packages: (names: string[], extra: Extra<'package'> = {}): StepOf<'package'> => ({
    type: 'package',
    ...common('package', `packages: ${names.join(' ')}`),
    names,
    state: 'present',
    ...extra,
  }),
  user: (user: string, extra: Extra<'user'> = {}): StepOf<'user'> => ({
    type: 'user',
    ...common('user', `user ${user}`),
    user,
    groups: [],
    shell: '/bin/sh',
    home: `/home/${user}`,
    authorizedKeys: [],
    system: false,
    ...extra,
  }),
  sysctl: (settings: Record<string, string>, extra: Extra<'sysctl'> = {}): StepOf<'sysctl'> => ({
    type: 'sysctl',
    ...common('sysctl'),
    settings,
    file: '90-tnbuild.conf',
    ...extra,
  }),
  network: (networkInterface: string, address: string, prefix: number): StepOf<'network'> => ({
    type: 'network',
    ...common('network'),
    interface: networkInterface,
    address,
    prefix,
  }),
  service: (service: string, extra: Extra<'service'> = {}): StepOf<'service'> => ({
    type: 'service',
    ...common('service', `service ${service}`),
    service,
    enabled: true,
    state: 'started',
    ...extra,
  }),
  download: (
    url: string,
    sha256: string,
    dest: string,
    extra: Extra<'download'> = {},
  ): StepOf<'download'> => ({
    type: 'download',
    ...common('download', `download into ${dest}`),
    artifact: {
      url: { x86_64: url, aarch64: url },
      checksum: {
        x86_64: { algorithm: 'sha256', value: sha256 },
        aarch64: { algorithm: 'sha256', value: sha256 },
      },
    },
    dest,
    extract: 'tar.gz',
    include: [],
    mode: '0755',
    notify: [],
    ...extra,
  }),
};
