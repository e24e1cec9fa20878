import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests against the local Discord simulator (test/sim). Files are `*.e2e.ts` so the unit
 * config does not pick them up. The global setup makes the voice TLS certificate and exports
 * NODE_EXTRA_CA_CERTS before the workers start, so discord.js clients in the workers trust it.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/sim/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
