import { defineRecipe, directory, service, template } from 'tnbuild';

// The TrustNet container registry: Docker distribution (Alpine's docker-registry, community repo) listening on
// 127.0.0.1:5000, behind nginx on :8000, which also answers /health from distribution's own health checks.
export default defineRecipe({
  description: 'Container registry on :8000 with /health, user keeper, fd10:1234::2',
  source: { type: 'parent', recipe: 'base' },
  machine: { cpus: 2, memory: '4G', disk: '30G' },
  vars: {
    registryPort: 8000,
    backendAddr: '127.0.0.1:5000',
    debugAddr: '127.0.0.1:5001',
    storage: '/var/lib/docker-registry',
  },
  packages: ['docker-registry', 'docker-registry-openrc', 'nginx'],
  users: [{ user: 'keeper', shell: '/bin/sh' }],
  network: { ula: 'fd10:1234::2' },
  ports: [
    { name: 'ssh', guest: 22, host: 2223 },
    { name: 'registry', guest: 8000, host: 8000 },
  ],
  steps: [
    directory('/var/lib/docker-registry', { owner: 'docker-registry', mode: '0750' }),
    template('/etc/docker-registry/config.yml', 'files/registry-config.yml.hbs', {
      owner: 'root',
      group: 'docker-registry',
      mode: '0640',
      notify: ['docker-registry'],
    }),
    template('/etc/nginx/http.d/registry.conf', 'files/registry-nginx.conf.hbs', { notify: ['nginx'] }),
    { type: 'file', path: '/etc/nginx/http.d/default.conf', state: 'absent', notify: ['nginx'] },
    service('docker-registry'),
    service('nginx'),
  ],
  checks: [
    { type: 'http', name: '/health answers', port: 8000, path: '/health', status: 200 },
    { type: 'http', name: 'registry API answers', port: 8000, path: '/v2/', status: 200 },
  ],
  vm: { name: 'trustnet-registry', user: 'keeper' },
});
