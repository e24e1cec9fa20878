import { defineConfig } from 'vitest/config';

/**
 * The web pages in a real browser (`npm run e2e:web`): Debian's chromium driven by puppeteer-core,
 * against `rhythmix web`'s server and a bot on the Discord simulator. One file at a time: the
 * browser and the composes share the machine.
 */
export default defineConfig({
  test: {
    include: ['test/e2e-web/**/*.e2e.ts'],
    globalSetup: ['test/sim/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
