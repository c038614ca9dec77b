import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The offline Debian guest that test/fixtures/guest/build-guest.sh made; the e2e suite passes its folder. */
export function guestFixture() {
  const dir = process.env.TNBUILD_E2E_GUEST;
  if (!dir)
    throw new Error('TNBUILD_E2E_GUEST is not set: these recipes are for the e2e suite (npm run test:e2e)');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    iso: { file: string; sha256: string };
    grubIso: { file: string; sha256: string };
    rootfs: { file: string };
  };
  return {
    isoUrl: `file://${join(dir, manifest.iso.file)}`,
    isoSha256: manifest.iso.sha256,
    grubIsoUrl: `file://${join(dir, manifest.grubIso.file)}`,
    grubIsoSha256: manifest.grubIso.sha256,
    rootfs: join(dir, manifest.rootfs.file),
    /** The fixture's reference install (its parameters block replaced by whoever serves it). */
    answerReference: join(import.meta.dirname, '../../fixtures/guest/answer-reference.sh'),
  };
}

/** The aarch64 test guest (`build-guest.sh arm64`): its GRUB EFI medium, ESP image and rootfs. */
export function guestFixtureArm64() {
  const dir = process.env.TNBUILD_E2E_GUEST_ARM64;
  if (!dir)
    throw new Error(
      'TNBUILD_E2E_GUEST_ARM64 is not set: this recipe is for the e2e suite (npm run test:e2e)',
    );
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    iso: { file: string; sha256: string };
    esp: { file: string };
    rootfs: { file: string };
  };
  return {
    isoUrl: `file://${join(dir, manifest.iso.file)}`,
    isoSha256: manifest.iso.sha256,
    esp: join(dir, manifest.esp.file),
    rootfs: join(dir, manifest.rootfs.file),
    answerReference: join(import.meta.dirname, '../../fixtures/guest/answer-reference.sh'),
  };
}

/** Debian's netboot installer (test/fixtures/netboot/build-netboot.sh); the e2e suite passes its folder. */
export function netbootFixture() {
  const dir = process.env.TNBUILD_E2E_NETBOOT;
  if (!dir)
    throw new Error('TNBUILD_E2E_NETBOOT is not set: this recipe is for the e2e suite (npm run test:e2e)');
  return { kernel: join(dir, 'linux'), initrd: join(dir, 'initrd.gz') };
}
