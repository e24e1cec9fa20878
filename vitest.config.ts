import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that need more than the sources: the built CLI or workers in dist/ (`npm run build`
 * first), fluidsynth/ffmpeg, a PostgreSQL server, or the data sets in ../shared/datasets. A file goes here when any of
 * its tests does; the rest are unit tests, which run from src/ alone (`npm run test:unit`).
 */
const integration = [
  // The built CLI (bin/rhythmix.js → dist/cli).
  'test/cli/*.test.ts',
  'test/train/train-cli.test.ts',
  'test/feedback/kill9.test.ts',
  'test/feedback/retrain-parent-death.test.ts',
  'test/feedback/simulate.test.ts',
  // Workers and child processes from dist/ (training runs on dist/workers/train-worker.js).
  'test/jobs/launch.test.ts',
  'test/jobs/worker-pool.test.ts',
  'test/jobs/workers.test.ts',
  'test/bot/voice-thread.test.ts',
  'test/feedback/service.test.ts',
  'test/feedback/retrain.test.ts',
  'test/feedback/bot-handlers.test.ts',
  'test/train/trainer.test.ts',
  'test/model/sampler.test.ts',
  'test/db/migrate.test.ts',
  // A throwaway PostgreSQL server (test/support/postgres.ts): these run against SQLite and PostgreSQL.
  'test/db/repositories.test.ts',
  'test/db/transaction-isolation.test.ts',
  'test/db/schema-drift.test.ts',
  'test/db/migrate-postgresql.test.ts',
  // A throwaway Redis server (test/support/redis.ts) and, for the workers, the built compose worker.
  'test/cluster/*.test.ts',
  // The built fuzzer (dist/fuzz: its worker thread and measuring child).
  'test/fuzz/fuzz.test.ts',
  'test/fuzz/worst-case.test.ts',
  // fluidsynth and ffmpeg (and the render worker; the voice queue plays an Ogg made by ffmpeg).
  'test/compose/pipeline.test.ts',
  'test/compose/takes.test.ts',
  'test/render/audio.test.ts',
  'test/render/encoder.test.ts',
  'test/render/ogg.test.ts',
  'test/render/pipeline-quality.test.ts',
  'test/render/render-job.test.ts',
  'test/render/tools.test.ts',
  'test/bot/voice-queue-player.test.ts',
  // The data sets in ../shared/datasets.
  'test/datasets/jsb.test.ts',
  'test/datasets/roundtrip.test.ts',
  'test/midi/tonejs-parity.test.ts',
  'test/train/evaluate.test.ts',
  // The built web pages (dist/web/public) and a PostgreSQL server.
  'test/web/server.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores in CI: more workers only adds contention.
    maxWorkers: 2,
    // `vitest run` runs both; `--project unit` or `--project integration` one of them.
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...integration] },
      },
      { extends: true, test: { name: 'integration', include: integration } },
    ],
  },
});
