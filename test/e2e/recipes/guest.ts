import { defineRecipe, file, service } from 'tnbuild';
import { guestFixture } from '../helpers/fixture-paths.ts';

// The e2e suite's `base`: the offline Debian test guest, installed from its ISO by the script installer.
const fixture = guestFixture();

export default defineRecipe({
  description: 'Debian 12 test guest (offline fixture): the e2e stand-in for base',
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  source: {
    type: 'iso',
    iso: { url: fixture.isoUrl, checksum: `sha256:${fixture.isoSha256}` },
    installer: { type: 'script', files: { 'rootfs.tar': fixture.rootfs } },
  },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  ports: [{ name: 'ssh', guest: 22, host: 2321 }],
  sysctl: { 'net.ipv6.conf.all.disable_ipv6': 0 },
  steps: [
    file('/etc/ssh/sshd_config.d/10-tnbuild.conf', {
      source: 'files/sshd-key-only.conf',
      mode: '0600',
      notify: ['ssh'],
    }),
    service('ssh'),
    // A stand-in for acpid (Alpine's base enables it): `tnbuild vm stop` presses the ACPI power button.
    file('/usr/local/sbin/power-button', { source: 'files/power-button.sh', mode: '0755' }),
    service('power-button', {
      define: { description: 'Power off on the ACPI power button', command: '/usr/local/sbin/power-button' },
    }),
  ],
  checks: [{ type: 'port', name: 'sshd listens', port: 22 }],
  seal: { zeroFreeSpace: false },
});
