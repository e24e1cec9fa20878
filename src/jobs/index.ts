/** Heavy work off the event loop: a bounded job queue and execution in a child process. */
export { JobQueue, type JobContext, type JobHandle, type JobQueueOptions, type JobSpec, type JobState, type JobUpdate, type QueueStats } from './queue.js';
export { runInChild, serveChild, type RunInChildOptions } from './run-in-child.js';
export { serializeError, deserializeError, type SerializedError } from './worker-protocol.js';
export { JobCancelledError, QueueFullError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError, type QueueLimit } from './errors.js';
