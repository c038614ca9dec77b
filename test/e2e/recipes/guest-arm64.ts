import { defineRecipe, file, service } from 'tnbuild';
import { guestFixtureArm64 } from '../helpers/fixture-paths.ts';

// The test guest on aarch64: UEFI on the virt machine, the fixture's GRUB EFI medium (menu on the firmware's serial
// console, the entry edited with keys to add answers=URL), an install that writes an EFI system partition and
// powers off, then the disk booted by the firmware. Under TCG on an x86_64 host.
const fixture = guestFixtureArm64();

export default defineRecipe({
  description: 'Debian 12 arm64 test guest, installed from a GRUB EFI medium by the console installer',
  os: { family: 'debian', release: '12' },
  arch: ['aarch64'],
  source: {
    type: 'iso',
    iso: { url: { aarch64: fixture.isoUrl }, checksum: { aarch64: `sha256:${fixture.isoSha256}` } },
    installer: {
      type: 'console',
      boot: [
        { expect: 'Install from the GRUB medium', timeout: '5m' },
        { send: 'e' },
        { expect: 'initrd /live/initrd.gz', timeout: '1m' },
        { send: '<down><down><ctrl-e>' },
        { send: ' answers={{http.url}}/a', pace: '20ms', echo: true },
        { send: '<ctrl-x>' },
        { expect: 'medium: starting', timeout: '5m' },
      ],
      end: { powerOff: true, timeout: '30m' },
      failOn: ['medium: network failed', 'medium: answer file', 'tnb-install: failed during'],
      afterBoot: [{ expect: /login: ?$/m, timeout: '10m' }],
      files: {
        a: { template: 'files/grub-answers.sh.hbs' },
        'install.sh': fixture.answerReference,
        'rootfs.tar': fixture.rootfs,
        'esp.img': fixture.esp,
      },
    },
  },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  ports: [{ name: 'ssh', guest: 22, host: 2351 }],
  vm: { name: 'guest-arm64' },
  steps: [
    file('/etc/ssh/sshd_config.d/10-tnbuild.conf', {
      source: 'files/sshd-key-only.conf',
      mode: '0600',
      notify: ['ssh'],
    }),
    service('ssh'),
    // `tnbuild vm stop` presses the power button; on virt it is an ACPI GED event, not x86's fixed PM button.
    file('/usr/local/sbin/power-button', { source: 'files/power-button.sh', mode: '0755' }),
    service('power-button', {
      define: { description: 'Power off on the ACPI power button', command: '/usr/local/sbin/power-button' },
    }),
  ],
  checks: [
    { type: 'port', name: 'sshd listens', port: 22 },
    { type: 'command', name: 'an aarch64 system', run: 'test "$(uname -m)" = aarch64' },
  ],
  seal: { zeroFreeSpace: false },
});
