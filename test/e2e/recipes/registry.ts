import { defineRecipe, directory, service, template } from 'tnbuild';

// The registry role on the Debian test guest: the same shape as recipes/registry.ts, with Debian's package
// names and paths (docker-registry 2.8 from Debian's mirror, through QEMU's user networking).
export default defineRecipe({
  description: 'Container registry on :8000 with /health, user keeper, fd10:1234::2 (Debian e2e)',
  source: { type: 'parent', recipe: 'guest' },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  vars: {
    registryPort: 8000,
    backendAddr: '127.0.0.1:5000',
    debugAddr: '127.0.0.1:5001',
    storage: '/var/lib/docker-registry',
  },
  // wget: the smoke checks fetch /health from inside the guest (Alpine's busybox has it built in).
  packages: ['docker-registry', 'nginx-light', 'wget'],
  users: [{ user: 'keeper', shell: '/bin/sh' }],
  sysctl: { 'net.core.somaxconn': 1024 },
  network: { ula: 'fd10:1234::2' },
  ports: [
    { name: 'ssh', guest: 22, host: 2323 },
    { name: 'registry', guest: 8000, host: 18000 },
  ],
  steps: [
    directory('/var/lib/docker-registry', { owner: 'docker-registry', mode: '0750' }),
    template('/etc/docker/registry/config.yml', '../../../recipes/files/registry-config.yml.hbs', {
      group: 'docker-registry',
      mode: '0640',
      notify: ['docker-registry'],
    }),
    template('/etc/nginx/conf.d/registry.conf', '../../../recipes/files/registry-nginx.conf.hbs', {
      notify: ['nginx'],
    }),
    { type: 'file', path: '/etc/nginx/sites-enabled/default', state: 'absent', notify: ['nginx'] },
    service('docker-registry'),
    service('nginx'),
  ],
  checks: [
    { type: 'http', name: '/health answers', port: 8000, path: '/health', status: 200 },
    { type: 'http', name: 'registry API answers', port: 8000, path: '/v2/', status: 200 },
  ],
  seal: { zeroFreeSpace: false },
  vm: { name: 'trustnet-registry', user: 'keeper' },
});
