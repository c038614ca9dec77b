import { defineConfig } from 'vitest/config';

// `unit` (no VM) and `e2e` (real QEMU under TCG, real SSH, real HTTP on 127.0.0.1) make `npm test`; `online` is
// opt-in and needs the internet.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/online/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 20 * 60_000,
          hookTimeout: 20 * 60_000,
          fileParallelism: false,
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
      {
        // Opt-in (`npm run test:online`): the real Alpine images; needs Alpine's mirror and GitHub releases.
        test: {
          name: 'online',
          include: ['test/online/**/*.test.ts'],
          testTimeout: 3 * 60 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
