/**
 * A compose job off the caller's event loop: in one of the warm compose workers
 * (src/workers/compose-worker.ts kept by a WorkerPool, src/jobs/worker-pool.ts) or, without a
 * pool, in a fresh child process. The bot's /compose and the web playground both run theirs here,
 * each through its JobQueue.
 */
import { WorkerPool } from '../jobs/worker-pool.js';
import { runJob, type CallOptions } from '../jobs/launch.js';
import { workerEntryPath } from '../util/built-entry.js';
import type { Logger } from '../util/logger.js';
import type { ComposeProgress, ComposeSummary } from '../compose/pipeline.js';

const NAME = 'compose';

export interface ComposeChildInput {
  /** The compose use case's input (validated there, src/app/compose.ts); `outDir` is the piece's folder. */
  readonly options: Record<string, unknown>;
  /** The use case to run (default compose); harmonize takes its own options (src/app/harmonize.ts). */
  readonly useCase?: 'compose' | 'harmonize';
  /**
   * 'later': with `score`, write piece.musicxml but leave score.png to the caller (engraved after
   * the piece is posted, src/app/score-job.ts); the output's `scorePreview` is what to engrave.
   */
  readonly scoreImage?: 'later';
}

export interface ComposeChildOutput {
  /** `melodyKept` only from harmonize. */
  readonly summary: ComposeSummary & { readonly melodyKept?: boolean };
  /** The piece in the default token language, or null when it cannot be encoded. */
  readonly tokens: number[] | null;
  /** With `scoreImage: 'later'`: the MusicXML score.png is to be engraved from (src/app/score-job.ts). */
  readonly scorePreview?: string;
}

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

/**
 * How an edge runs the heavy part of one compose job of its queue: here (`localComposeRunner`), or
 * with REDIS_URL on a `rhythmix worker` under the queue's job id (src/cluster/remote-compose.ts).
 */
export type ComposeRunner = (jobId: number, input: ComposeChildInput, options: CallOptions<ComposeProgress>) => Promise<ComposeChildOutput>;

/** Composes in this machine's warm workers, or a fresh child process without a pool. */
export function localComposeRunner(pool: WorkerPool | undefined): ComposeRunner {
  return (_jobId, input, options) => runCompose(pool, input, options);
}

/** One compose in a warm worker when there is a pool, else in a fresh child process (as before the pool). */
export function runCompose(pool: WorkerPool | undefined, input: ComposeChildInput, options: CallOptions<ComposeProgress>): Promise<ComposeChildOutput> {
  if (pool) return pool.call<ComposeChildOutput, ComposeProgress>(input, options);
  return runJob<ComposeChildOutput, ComposeProgress>(workerEntryPath('compose-worker'), input, { via: 'process', name: NAME, ...options });
}
