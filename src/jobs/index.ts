/** Heavy work off the event loop: a bounded job queue and worker-thread execution. */
export { JobQueue, inWorker, type JobContext, type JobHandle, type JobQueueOptions, type JobSpec, type JobState, type JobUpdate, type QueueStats } from './queue.js';
export { runInWorker, type RunInWorkerOptions } from './run-in-worker.js';
export { serveWorker, serializeError, deserializeError, type WorkerContext, type WorkerMessage, type SerializedError } from './worker-protocol.js';
export { workerEntry } from './worker-entry.js';
export { JobCancelledError, QueueFullError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError, type QueueLimit } from './errors.js';
