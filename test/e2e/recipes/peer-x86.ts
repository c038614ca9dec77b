import { defineRecipe, file } from 'tnbuild';

// An x86_64 peer for the aarch64 layer: a clone of each on the same ULA segment must reach the other. The same
// shape of work as layer-arm64, so `npm run bench -- arch` compares like with like.
export default defineRecipe({
  description: 'An x86_64 layer on the test guest at fd10:1234::2, the aarch64 layer’s peer',
  source: { type: 'parent', recipe: 'guest' },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  users: [{ user: 'keeper', shell: '/bin/sh' }],
  network: { ula: 'fd10:1234::2' },
  ports: [{ name: 'ssh', guest: 22, host: 2353 }],
  vm: { name: 'peer-x86' },
  steps: [file('/etc/tnb-e2e-layer', { content: 'peer-x86\n', mode: '0644' })],
  checks: [{ type: 'command', name: 'the layer file', run: 'grep -qx peer-x86 /etc/tnb-e2e-layer' }],
});
