import type { Arch } from './schema.ts';

// What everything after validation sees: readonly, defaults filled, paths absolute, per-arch values as maps,
// templates rendered, local files hashed. Only resolveRecipe() makes one.

export type PerArch<T> = Readonly<Partial<Record<Arch, T>>>;

export type ResolvedChecksum =
  | {
      readonly algorithm: 'sha256' | 'sha512';
      readonly value: string;
      /** The sums file the value was read from, when the recipe named one (pinPublishedChecksums). */
      readonly publishedIn?: string;
    }
  | { readonly algorithm: 'sha256' | 'sha512'; readonly file: string };

export interface ResolvedArtifact {
  readonly url: PerArch<string>;
  readonly checksum: PerArch<ResolvedChecksum>;
}

/** A file next to the recipe: absolute path plus the sha256 of its bytes (part of the cache key). */
export interface LocalFile {
  readonly path: string;
  readonly sha256: string;
}

export type ResolvedInstaller =
  | {
      readonly type: 'alpine';
      readonly keymap: string;
      readonly timezone: string;
      readonly mirror: string;
      readonly community: boolean;
      /** Added to the preset's own failure markers. */
      readonly failOn: readonly (string | RegExp)[];
      readonly qemuArgs: readonly string[];
      readonly timeouts: PresetTimeouts;
    }
  | {
      readonly type: 'script';
      readonly bootLabel: string;
      /** The answer template, rendered by the builder with the build's values (key, URLs); none: the builder's own. */
      readonly answer?: LocalFile & { readonly content: string };
      readonly files: Readonly<Record<string, LocalFile | ResolvedArtifact>>;
      readonly failOn: readonly (string | RegExp)[];
      readonly qemuArgs: readonly string[];
      readonly timeouts: PresetTimeouts;
    }
  | ResolvedConsoleInstaller;

/** A preset installer's deadlines in milliseconds, where the recipe gave them (else the preset's own). */
export interface PresetTimeouts {
  readonly bootMs?: number;
  readonly installMs?: number;
  readonly rebootMs?: number;
}

/** A console boot step with durations in milliseconds (the builders' ConsoleStepSpec). */
export type ResolvedConsoleStep =
  | { readonly expect: string | RegExp; readonly timeoutMs: number }
  | { readonly send: string; readonly paceMs?: number; readonly echoTimeoutMs?: number }
  | { readonly waitMs: number };

export type ResolvedInstallEnd =
  | { readonly console: string | RegExp; readonly timeoutMs: number }
  | { readonly powerOff: true; readonly timeoutMs: number }
  | { readonly ssh: true };

export interface ResolvedConsoleInstaller {
  readonly type: 'console';
  readonly boot: readonly ResolvedConsoleStep[];
  readonly end: ResolvedInstallEnd;
  readonly failOn: readonly (string | RegExp)[];
  readonly after: 'reboot' | 'boot-disk';
  readonly afterBoot: readonly ResolvedConsoleStep[];
  /** Served as they are, by name. */
  readonly files: Readonly<Record<string, LocalFile | ResolvedArtifact>>;
  /** Served rendered with the build's values, by name. */
  readonly templates: Readonly<Record<string, LocalFile & { readonly content: string }>>;
  readonly qemuArgs: readonly string[];
  readonly user: string;
}

export type ResolvedSource =
  | { readonly type: 'iso'; readonly iso: ResolvedArtifact; readonly installer: ResolvedInstaller }
  | {
      readonly type: 'netboot';
      readonly kernel: LocalFile | ResolvedArtifact;
      readonly initrd: LocalFile | ResolvedArtifact;
      /** A template, rendered by the builder with the build's values. */
      readonly cmdline: string;
      readonly installer: ResolvedConsoleInstaller;
    }
  | { readonly type: 'parent'; readonly parent: ResolvedRecipe };

interface StepCommon {
  readonly name: string;
  /** Where the step came from, for error messages: `steps[3]`, `users[0]`, `packages`. */
  readonly field: string;
}

export type ResolvedStep = StepCommon &
  (
    | { readonly type: 'package'; readonly names: readonly string[]; readonly state: 'present' | 'absent' }
    | {
        readonly type: 'user';
        readonly user: string;
        readonly groups: readonly string[];
        readonly shell: string;
        readonly home: string;
        readonly authorizedKeys: readonly string[];
        readonly system: boolean;
      }
    | {
        readonly type: 'file';
        readonly path: string;
        readonly state: 'file' | 'directory' | 'absent';
        /** Literal content, or the content of `source`. */
        readonly content?: string;
        readonly source?: LocalFile;
        readonly mode: string;
        readonly owner: string;
        readonly group: string;
        readonly notify: readonly string[];
      }
    | {
        readonly type: 'template';
        readonly path: string;
        readonly source: LocalFile;
        /** Rendered on the host, at resolve time. */
        readonly content: string;
        readonly mode: string;
        readonly owner: string;
        readonly group: string;
        readonly notify: readonly string[];
      }
    | {
        readonly type: 'service';
        readonly service: string;
        readonly enabled: boolean;
        readonly state: 'started' | 'stopped';
        readonly define?: {
          readonly description: string;
          readonly command: string;
          readonly args: readonly string[];
          readonly user: string;
          readonly directory: string;
          readonly env: Readonly<Record<string, string>>;
          readonly after: readonly string[];
        };
      }
    | { readonly type: 'sysctl'; readonly settings: Readonly<Record<string, string>>; readonly file: string }
    | {
        readonly type: 'network';
        readonly interface: string;
        readonly address: string;
        readonly prefix: number;
      }
    | {
        readonly type: 'download';
        readonly artifact: ResolvedArtifact;
        readonly dest: string;
        readonly extract: 'none' | 'tar.gz';
        readonly include: readonly string[];
        readonly mode: string;
        readonly notify: readonly string[];
      }
    | {
        readonly type: 'shell';
        readonly run: string;
        readonly creates?: string;
        readonly unless?: string;
        readonly user: string;
        readonly timeoutMs: number;
      }
  );

export type ResolvedCheck =
  | { readonly type: 'command'; readonly name: string; readonly run: string; readonly expect?: string }
  | { readonly type: 'port'; readonly name: string; readonly port: number }
  | {
      readonly type: 'http';
      readonly name: string;
      readonly port: number;
      readonly path: string;
      readonly status: number;
    };

export interface ResolvedPort {
  readonly name: string;
  readonly guest: number;
  readonly host: number;
}

export interface ResolvedRecipe {
  readonly name: string;
  /** Absolute path of the recipe file. */
  readonly file: string;
  readonly description: string;
  readonly os: { readonly family: 'alpine' | 'debian'; readonly release: string };
  readonly arches: readonly Arch[];
  readonly source: ResolvedSource;
  readonly machine: { readonly cpus: number; readonly memoryBytes: number; readonly diskBytes: number };
  readonly vars: Readonly<Record<string, unknown>>;
  readonly ports: readonly ResolvedPort[];
  /** The recipe's and its parents' secrets, by name (host/secret-values.ts redacts their values). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly network?: { readonly address: string; readonly prefix: number; readonly interface: string };
  /** Every provisioning step in order: packages, users, sysctl and network first, then `steps`. */
  readonly steps: readonly ResolvedStep[];
  readonly checks: readonly ResolvedCheck[];
  readonly seal: { readonly lockRoot: boolean; readonly zeroFreeSpace: boolean; readonly compress: boolean };
  readonly vm: { readonly name: string; readonly user: string; readonly firstBoot: readonly string[] };
}
