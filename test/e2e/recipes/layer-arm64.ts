import { defineRecipe, file } from 'tnbuild';

// A child layer on the aarch64 guest: built on a linked clone of its template, with a user and a ULA of its own.
export default defineRecipe({
  description: 'A layer on the aarch64 test guest (user warden, fd10:1234::1)',
  source: { type: 'parent', recipe: 'guest-arm64' },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  users: [{ user: 'warden', shell: '/bin/sh' }],
  network: { ula: 'fd10:1234::1' },
  // ping as warden: the arm64 live environment unpacks with busybox tar, which drops ping's file capability, so
  // unprivileged ICMP sockets stand in for it.
  sysctl: { 'net.ipv4.ping_group_range': '0 2147483647' },
  ports: [{ name: 'ssh', guest: 22, host: 2352 }],
  vm: { name: 'layer-arm64', user: 'warden' },
  steps: [file('/etc/tnb-e2e-layer', { content: 'layer-arm64\n', mode: '0644' })],
  checks: [{ type: 'command', name: 'the layer file', run: 'grep -qx layer-arm64 /etc/tnb-e2e-layer' }],
});
