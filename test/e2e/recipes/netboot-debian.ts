import { defineRecipe } from 'tnbuild';
import { netbootFixture } from '../helpers/fixture-paths.ts';

// Debian's own netboot installer (kernel + initrd from Debian's package), booted by QEMU with a command line that
// names a preseed the build serves. Its early_command prints a marker and powers off: the end of this install.
// Nothing can be installed here (no .udeb mirror), so the boot from the disk that follows has nothing to start.
const netboot = netbootFixture();

export default defineRecipe({
  description:
    'Debian 12 netboot installer reaching its served preseed (the install itself cannot run offline)',
  os: { family: 'debian', release: '12' },
  arch: ['x86_64'],
  source: {
    type: 'netboot',
    kernel: netboot.kernel,
    initrd: netboot.initrd,
    cmdline:
      'auto=true priority=critical preseed/url={{http.url}}/preseed.cfg console=ttyS0,115200 DEBIAN_FRONTEND=text',
    installer: {
      type: 'console',
      boot: [{ expect: /Command line: .*preseed\/url=/, timeout: '2m' }],
      end: { powerOff: true, timeout: '10m' },
      failOn: ['Failed to retrieve the preconfiguration file', /Kernel panic/],
      afterBoot: [{ expect: /login: ?$/m, timeout: '30s' }],
      files: { 'preseed.cfg': { template: 'files/preseed.cfg.hbs' } },
    },
  },
  machine: { cpus: 1, memory: '1G', disk: '2G' },
  ports: [{ name: 'ssh', guest: 22, host: 2351 }],
  vm: { name: 'netboot-debian' },
});
