import { defineConfig } from 'vitest/config';

// Four projects: unit (fast, in-process), integration (real child processes, a real
// HTTP server and database), e2e (real Chromium against the headless server), desktop (the
// built desktop app in Chromium over IPC, test/desktop/).
export default defineConfig({
  test: {
    projects: [
      {
        esbuild: { jsx: 'automatic' },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}', 'src/**/*.spec.{ts,tsx}'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real processes on real ports: keep files apart from each other's timing.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The built desktop app under plain Node, `electron` a stand-in, its window in Chromium.
          name: 'desktop',
          include: ['test/desktop/**/*.test.ts'],
          testTimeout: 120_000,
          // A start may first wait out a build under way (60 s), then for the window (90 s).
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
