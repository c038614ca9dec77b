import { defineRecipe, file, service } from 'tnbuild';
import { guestFixture } from '../helpers/fixture-paths.ts';

// The test guest from another medium, described only here: GRUB's menu on the serial console (the entry is edited
// with keys to add answers=URL), a live system with its own words, an install that ends by powering off, then the
// disk booted with the medium detached. Nothing in tnbuild knows this medium.
const fixture = guestFixture();

export default defineRecipe({
  description: 'Debian 12 test guest installed from the GRUB medium by the console installer',
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  source: {
    type: 'iso',
    iso: { url: fixture.grubIsoUrl, checksum: `sha256:${fixture.grubIsoSha256}` },
    installer: {
      type: 'console',
      boot: [
        { expect: 'Install from the GRUB medium', timeout: '3m' },
        // The editor: `setparams …`, a blank line, then the linux line; Ctrl-E is the end of it.
        { send: 'e' },
        { expect: 'initrd /live/initrd.gz', timeout: '30s' },
        { send: '<down><down><ctrl-e>' },
        { send: ' answers={{http.url}}/a', pace: '10ms', echo: true },
        { send: '<ctrl-x>' },
        { expect: 'medium: starting', timeout: '3m' },
      ],
      end: { powerOff: true, timeout: '20m' },
      failOn: ['medium: network failed', 'medium: answer file', 'tnb-install: failed during'],
      afterBoot: [{ expect: /login: ?$/m, timeout: '5m' }],
      files: {
        a: { template: 'files/grub-answers.sh.hbs' },
        'install.sh': fixture.answerReference,
        'rootfs.tar': fixture.rootfs,
      },
    },
  },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  ports: [{ name: 'ssh', guest: 22, host: 2341 }],
  vm: { name: 'grub-guest' },
  steps: [
    file('/etc/ssh/sshd_config.d/10-tnbuild.conf', {
      source: 'files/sshd-key-only.conf',
      mode: '0600',
      notify: ['ssh'],
    }),
    service('ssh'),
  ],
  checks: [
    { type: 'port', name: 'sshd listens', port: 22 },
    { type: 'command', name: 'installed from the GRUB medium', run: 'test "$(hostname)" = grub-guest' },
  ],
  seal: { zeroFreeSpace: false },
});
