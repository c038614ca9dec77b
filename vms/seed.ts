import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandRunner } from '../host/command-runner.ts';
import type { OsFamily } from '../templates/seal-script.ts';

/** What makes one clone itself, applied at its first boot by the template's tnbuild-first-boot. */
export interface SeedOptions {
  /** Changes whenever the VM is (re)created; the guest applies a seed once per instance-id. */
  readonly instanceId: string;
  readonly hostname: string;
  readonly family: OsFamily;
  /** Login user; created if the image lacks it. */
  readonly user: string;
  readonly authorizedKeys: readonly string[];
  readonly hostKeys: readonly {
    readonly name: string;
    readonly privateKey: string;
    readonly publicKey: string;
  }[];
  readonly network?: { readonly interface: string; readonly address: string; readonly prefix: number };
  /** The recipe's `vm.firstBoot` commands, run by `sh -e` before services start. */
  readonly firstBoot: readonly string[];
  /** Named in the files for a person reading them. */
  readonly recipe?: string;
}

/** One file of the seed volume, path relative to its root. */
export interface SeedFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** The /etc/network/interfaces stanza for the clone's ULA on the VM-to-VM segment, in the family's dialect. */
export function renderInterfacesStanza(
  family: OsFamily,
  network: NonNullable<SeedOptions['network']>,
): string {
  const head = [
    '',
    '# tnbuild: this clone’s address on the VM-to-VM segment (from its seed)',
    `auto ${network.interface}`,
  ];
  if (family === 'alpine') {
    // ifupdown-ng: the address implies static; DAD off so the address is usable at once.
    return [
      ...head,
      `iface ${network.interface}`,
      `\taddress ${network.address}/${network.prefix}`,
      '\tipv6-dad-transmits 0',
      '',
    ].join('\n');
  }
  return [
    ...head,
    `iface ${network.interface} inet6 static`,
    `\taddress ${network.address}/${network.prefix}`,
    '\tdad-attempts 0',
    '',
  ].join('\n');
}

/** Every file of the seed: NoCloud's meta-data and user-data, and tnbuild's own plain files (see the guest script). */
export function renderSeedFiles(options: SeedOptions): SeedFile[] {
  const files: SeedFile[] = [
    {
      path: 'meta-data',
      mode: 0o644,
      content: `instance-id: ${options.instanceId}\nlocal-hostname: ${options.hostname}\n`,
    },
    {
      path: 'user-data',
      mode: 0o644,
      content: `#cloud-config\n# Applied by tnbuild-first-boot in the image (tnbuild/ holds the data), not by cloud-init.\nhostname: ${options.hostname}\n`,
    },
    { path: 'tnbuild/hostname', mode: 0o644, content: `${options.hostname}\n` },
    { path: 'tnbuild/user', mode: 0o644, content: `${options.user}\n` },
    {
      path: 'tnbuild/authorized_keys',
      mode: 0o644,
      content: options.authorizedKeys.map((key) => `${key.trim()}\n`).join(''),
    },
  ];
  for (const key of options.hostKeys) {
    files.push({
      path: `tnbuild/ssh/${key.name}`,
      mode: 0o600,
      content: key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`,
    });
    files.push({ path: `tnbuild/ssh/${key.name}.pub`, mode: 0o644, content: `${key.publicKey.trim()}\n` });
  }
  if (options.network) {
    files.push({ path: 'tnbuild/network/interface', mode: 0o644, content: `${options.network.interface}\n` });
    files.push({
      path: 'tnbuild/network/stanza',
      mode: 0o644,
      content: renderInterfacesStanza(options.family, options.network),
    });
  }
  if (options.firstBoot.length > 0) {
    const from = options.recipe ? ` of recipe ${options.recipe}` : '';
    files.push({
      path: 'tnbuild/first-boot.sh',
      mode: 0o755,
      content: [
        `# vm.firstBoot${from}, run once by tnbuild-first-boot with sh -e`,
        ...options.firstBoot,
        '',
      ].join('\n'),
    });
  }
  return files;
}

/** Writes the files into a directory (tests unpack a seed this way; the ISO is made from one too). */
export async function writeSeedDir(files: readonly SeedFile[], dir: string): Promise<void> {
  for (const file of files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.mode });
    await chmod(path, file.mode);
  }
}

/**
 * The seed as an ISO 9660 volume labelled `cidata` (what cloud-localds makes): `xorriso -as mkisofs -V cidata
 * -J -R`. Rock Ridge keeps the names and the modes.
 */
export async function writeSeedIso(
  runner: CommandRunner,
  files: readonly SeedFile[],
  isoPath: string,
): Promise<void> {
  const staging = await mkdtemp(join(dirname(isoPath), '.seed-'));
  try {
    await writeSeedDir(files, staging);
    await runner.run('xorriso', [
      '-as',
      'mkisofs',
      '-quiet',
      '-V',
      'cidata',
      '-J',
      '-R',
      '-o',
      isoPath,
      staging,
    ]);
    await chmod(isoPath, 0o600);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
