import type { Arch } from '../dsl/schema.ts';

/** Flags every command accepts. */
export interface GlobalOptions {
  /** Folder holding the recipes. @default 'recipes' */
  readonly recipes: string;
  /** Build products. @default 'output' */
  readonly output: string;
  readonly arch: Arch;
  readonly verbose: boolean;
  /** Machine-readable output (see README, "JSON output"). @default false */
  readonly json?: boolean;
}

/** The host's architecture in QEMU's naming; recipes build for it unless --arch says otherwise. */
export function hostArch(): Arch {
  return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
}
