import { defineRecipe, shell } from 'tnbuild';

// A layer whose guest disk fills up mid-provision (the build-faults e2e): the first step takes every free block,
// the next one cannot write. The build must fail on that step, say the disk is full, and leave nothing behind.
export default defineRecipe({
  description: 'A layer on the test guest that fills its disk (a fault test)',
  source: { type: 'parent', recipe: 'guest' },
  machine: { cpus: 2, memory: '1536M', disk: '3G' },
  ports: [{ name: 'ssh', guest: 22, host: 2363 }],
  vm: { name: 'full-disk' },
  steps: [
    shell('i=0; while fallocate -l 256M /var/tmp/fill-$i; do i=$((i+1)); done; df -h /', {
      name: 'take every free block',
    }),
    shell('echo written > /var/tmp/after-full', { name: 'write a file on the full disk' }),
  ],
});
