/**
 * The bot's warm compose workers: `size` niced child processes of src/workers/compose-worker.ts,
 * started with the bot and kept with their model loaded (src/jobs/worker-pool.ts), so a compose is
 * one call instead of a process start and a model load. Size 0 keeps the one-shot children.
 */
import { WorkerPool } from '../../jobs/worker-pool.js';
import { runJob, type CallOptions } from '../../jobs/launch.js';
import { workerEntryPath } from '../../util/built-entry.js';
import type { Logger } from '../../util/logger.js';
import type { ComposeChildInput, ComposeChildOutput } from '../../workers/compose-worker.js';
import type { ComposeProgress } from '../../compose/pipeline.js';

const NAME = 'compose';

/** The pool of `size` warm workers, started; undefined for 0. */
export function composeWorkerPool(size: number, logger?: Logger): WorkerPool | undefined {
  if (size <= 0) return undefined;
  return new WorkerPool(workerEntryPath('compose-worker'), {
    via: 'process',
    name: NAME,
    size,
    onWorkerLost: ({ pid, error, retrying }) =>
      logger?.warn(
        { pid, reason: error.message, retrying },
        retrying ? 'a compose worker died under its job; retrying on a new one' : 'a compose worker was replaced',
      ),
  }).start();
}

/** One compose in a warm worker when there is a pool, else in a fresh child process (as before the pool). */
export function runCompose(pool: WorkerPool | undefined, input: ComposeChildInput, options: CallOptions<ComposeProgress>): Promise<ComposeChildOutput> {
  if (pool) return pool.call<ComposeChildOutput, ComposeProgress>(input, options);
  return runJob<ComposeChildOutput, ComposeProgress>(workerEntryPath('compose-worker'), input, { via: 'process', name: NAME, ...options });
}
