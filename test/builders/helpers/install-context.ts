import type { InstallContext } from '../../../builders/drivers/install-driver.ts';
import type { Arch } from '../../../builders/machine-spec.ts';

/** The build key the driver snapshots show: a fixed string, never a real key. */
export const SNAPSHOT_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyForSnapshotsOnly tnbuild-build-key';

/** What a driver is told when it plans an install: the HTTP server on 10.0.2.2:8123, /dev/vda of 2 GiB. */
export function installContext(arch: Arch = 'x86_64'): InstallContext {
  return {
    arch,
    guestUrl: (path) => `http://10.0.2.2:8123${path}`,
    authorizedKey: SNAPSHOT_KEY,
    diskDevice: '/dev/vda',
    diskBytes: 2 * 1024 ** 3,
  };
}
