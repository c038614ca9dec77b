/** The offline test guest built by test/fixtures/guest/build-guest.sh, as global-setup provides it. */
export interface GuestFixture {
  readonly dir: string;
  readonly iso: string;
  readonly rootfs: string;
  readonly rootfsBytes: number;
  readonly kernelVersion: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    guestFixture: GuestFixture;
    /** The folder test/fixtures/netboot/build-netboot.sh filled: Debian's netboot installer kernel and initrd. */
    netbootDir: string;
    /** The folder of `build-guest.sh arm64`: the aarch64 test guest's GRUB EFI medium, ESP image and rootfs. */
    guestArm64Dir: string;
  }
}
