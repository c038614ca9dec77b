import type { ServiceDefinition } from './service-definition.ts';

/** Paths an OS family writes to; tests point them into a temp dir. */
export interface FamilyPaths {
  /** OpenRC init scripts (Alpine) or systemd units (Debian). */
  readonly serviceDir: string;
  readonly sysctlDir: string;
  readonly interfacesFile: string;
  /** Root of the account databases (`/etc`): passwd, group, shadow. */
  readonly etc: string;
}

/** A service definition file, as the family writes it. */
export interface DefinitionFile {
  readonly path: string;
  readonly content: string;
  readonly mode: string;
}

/**
 * Everything that differs between Alpine (apk, busybox, OpenRC, ifupdown-ng) and Debian (apt, shadow, systemd,
 * ifupdown). Pure: every method returns the exact command lines or file contents, which the unit tests snapshot.
 */
export interface OsFamily {
  readonly name: 'alpine' | 'debian';
  readonly paths: FamilyPaths;

  /** Prints the installed ones among `names`, one per line. */
  listInstalledPackages(names: readonly string[]): string;
  installPackages(names: readonly string[], options: { readonly refreshIndex: boolean }): string;
  removePackages(names: readonly string[]): string;
  /** Names of packages an install failure says do not exist. */
  parseMissingPackages(output: string, requested: readonly string[]): string[];

  createGroup(group: string, system: boolean): string;
  createUser(user: UserSpec): string;
  addUserToGroup(user: string, group: string): string;
  /** Sets the account's password field to `*`: no password can log in, but keys still can (`!` would lock them out). */
  disablePassword(user: string): string;
  setShellAndHome(user: string, shell: string, home: string): string;

  serviceDefinition(service: string, define: ServiceDefinition): DefinitionFile;
  /** Prints `exists`, `enabled`, `running` (or `crashed`: supervised but dead) lines for what holds. */
  probeService(service: string): string;
  /** Runs after a definition changed (systemd: daemon-reload). */
  reloadDefinitions(): string | undefined;
  enableService(service: string, startNow: boolean): string;
  disableService(service: string): string;
  startService(service: string): string;
  stopService(service: string): string;
  restartService(service: string): string;

  interfacesStanza(networkInterface: string, address: string, prefix: number): string;
  /** Re-reads the interface's configuration and brings it up. */
  bringUpInterface(networkInterface: string): string;
}

export interface UserSpec {
  readonly user: string;
  readonly shell: string;
  readonly home: string;
  readonly system: boolean;
}
