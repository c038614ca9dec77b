import { defineRecipe, file, service } from 'tnbuild';

// Alpine Linux 3.22 "virt" flavour, installed from the official ISO with setup-alpine. Every TrustNet image builds
// on this one.
const release = '3.22.6';
const isoUrl = (arch: string) =>
  `https://dl-cdn.alpinelinux.org/alpine/v3.22/releases/${arch}/alpine-virt-${release}-${arch}.iso`;

export default defineRecipe({
  description: 'Alpine Linux 3.22 virt: key-only sshd, root locked, community repository, IPv6 on',
  os: { family: 'alpine', release: '3.22' },
  arch: ['aarch64', 'x86_64'],
  source: {
    type: 'iso',
    iso: {
      url: { aarch64: isoUrl('aarch64'), x86_64: isoUrl('x86_64') },
      checksum: {
        // Alpine publishes `<iso>.sha256` next to each ISO; x86_64 is pinned from two independent public sources.
        aarch64: { file: `${isoUrl('aarch64')}.sha256` },
        x86_64: 'sha256:f1e3bbfd700709a8a931748152cec16c539c45b8fa0a04e95a3d38cf2231da98',
      },
    },
    installer: { type: 'alpine', keymap: 'us us', timezone: 'UTC', community: true },
  },
  machine: { cpus: 2, memory: '2G', disk: '8G' },
  ports: [{ name: 'ssh', guest: 22, host: 2221 }],
  packages: ['openssh', 'chrony', 'ca-certificates', 'iproute2', 'curl', 'e2fsprogs-extra'],
  sysctl: {
    'net.ipv6.conf.all.disable_ipv6': 0,
    'net.ipv6.conf.default.disable_ipv6': 0,
    'net.ipv6.conf.all.accept_dad': 0,
  },
  steps: [
    file('/etc/ssh/sshd_config.d/10-tnbuild.conf', {
      source: 'files/sshd-key-only.conf',
      mode: '0600',
      notify: ['sshd'],
    }),
    service('sshd'),
    service('chronyd'),
    // `tnbuild vm stop` presses the ACPI power button: busybox acpid runs this fixed path for it.
    file('/etc/acpi/PWRF/00000080', { content: '#!/bin/sh\nexec poweroff\n', mode: '0755' }),
    service('acpid'),
  ],
  checks: [
    {
      type: 'command',
      name: 'sshd refuses passwords',
      run: 'sshd -T | grep -i "^passwordauthentication"',
      expect: 'no',
    },
    {
      type: 'command',
      name: 'IPv6 is on',
      run: 'cat /proc/sys/net/ipv6/conf/all/disable_ipv6',
      expect: '^0',
    },
    { type: 'port', name: 'sshd listens', port: 22 },
  ],
  seal: { lockRoot: true, zeroFreeSpace: true },
});
