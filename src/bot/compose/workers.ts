/**
 * The bot's warm compose workers: `size` niced child processes of src/workers/compose-worker.ts,
 * started with the bot and kept with their model loaded (src/jobs/worker-pool.ts), so a compose is
 * one call instead of a process start and a model load. Size 0 keeps the one-shot children.
 * Shared with the web playground: src/app/compose-job.ts.
 */
export { composeWorkerPool, runCompose } from '../../app/compose-job.js';
