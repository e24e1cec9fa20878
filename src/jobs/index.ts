/** Heavy work off the event loop: a bounded job queue and the one off-thread runtime (launch/serve). */
export {
  JobQueue,
  type JobContext,
  type JobHandle,
  type JobQueueOptions,
  type JobSpec,
  type JobState,
  type JobUpdate,
  type QueueStats,
  type WorkQueue,
} from './queue.js';
export { DurationEstimate, type DurationEstimateOptions } from './duration-estimate.js';
export { type RetryHintOutcome } from './retry-hints.js';
export { launch, runJob, LaunchedEntry, type CallOptions, type Isolation, type LaunchOptions } from './launch.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { deserializeError, serializeError, type Envelope, type ErrorClasses, type SerializedError } from './envelope.js';
export { JobCancelledError, QueueFullError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError, type QueueLimit } from './errors.js';
