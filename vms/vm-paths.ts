import { join } from 'node:path';
import { TnbuildError } from '../errors/index.ts';
import { pathInside } from '../host/path-inside.ts';
import { assertKey } from '../templates/template-store.ts';

/** Every file of one VM directory; vms/README.md describes each. */
export interface VmPaths {
  readonly dir: string;
  readonly disk: string;
  readonly seed: string;
  readonly record: string;
  readonly startScript: string;
  readonly stopScript: string;
  readonly pidFile: string;
  readonly serialLog: string;
  readonly serialSocket: string;
  readonly qmpSocket: string;
  readonly knownHosts: string;
  /** The host keys put on the seed (private: the VM directory is 0700). */
  readonly hostKeyDir: string;
  /** UEFI variables, aarch64 only. */
  readonly efiVars: string;
}

const VM_NAME = /^[a-z][a-z0-9-]{0,62}$/;
// sockaddr_un.sun_path holds 108 bytes including the NUL.
const MAX_SOCKET_PATH = 107;

export function assertVmName(name: string): void {
  if (!VM_NAME.test(name)) {
    throw new TnbuildError(
      'TNB110',
      `"${name}" is not a VM name: use lower-case letters, digits and dashes, starting with a letter`,
    );
  }
}

export function vmPaths(vmsRoot: string, name: string): VmPaths {
  assertVmName(name);
  const dir = pathInside(vmsRoot, name);
  const paths: VmPaths = {
    dir,
    disk: join(dir, 'disk.qcow2'),
    seed: join(dir, 'seed.iso'),
    record: join(dir, 'vm.json'),
    startScript: join(dir, `start-${name}.sh`),
    stopScript: join(dir, `stop-${name}.sh`),
    pidFile: join(dir, 'qemu.pid'),
    serialLog: join(dir, 'serial.log'),
    serialSocket: join(dir, 'serial.sock'),
    qmpSocket: join(dir, 'qmp.sock'),
    knownHosts: join(dir, 'known_hosts'),
    hostKeyDir: join(dir, 'host-keys'),
    efiVars: join(dir, 'efi-vars.fd'),
  };
  for (const socket of [paths.serialSocket, paths.qmpSocket]) {
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      throw new TnbuildError('TNB110', `the VM directory path is too long for QEMU's sockets (${socket})`, {
        hint: 'Use a shorter TNBUILD_VMS_DIR or VM name.',
      });
    }
  }
  return paths;
}

/**
 * Where a linked clone's backing file lives: `<vms root>/.base/<key>-<build time>.qcow2`, beside the clones, never
 * in output/. The build time tells apart two builds of one key (`--force`): clones of the old build keep its disk,
 * clones made afterwards get the new one.
 */
export function baseDiskPath(
  vmsRoot: string,
  template: { readonly key: string; readonly manifest: { readonly builtAt: string } },
): string {
  const builtAt = Date.parse(template.manifest.builtAt);
  assertKey(template.key);
  if (!Number.isFinite(builtAt)) {
    throw new TnbuildError(
      'TNB900',
      `not a template key and build time: ${template.key} ${template.manifest.builtAt}`,
    );
  }
  return pathInside(vmsRoot, '.base', `${template.key}-${builtAt}.qcow2`);
}
