import { RhythmixError } from '../util/errors.js';

export type QueueLimit = 'queue' | 'user' | 'guild';

/** The job was not accepted; the message says when trying again should work. */
export class QueueFullError extends RhythmixError {
  readonly limit: QueueLimit;
  readonly retryAfterMs: number;

  constructor(limit: QueueLimit, detail: string, retryAfterMs: number) {
    const seconds = retryAfterSeconds(retryAfterMs);
    super(`${detail} — try again in ${seconds} s`, { exitCode: 1 });
    this.limit = limit;
    this.retryAfterMs = retryAfterMs;
  }

  get retryAfterSeconds(): number {
    return retryAfterSeconds(this.retryAfterMs);
  }
}

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export class JobCancelledError extends RhythmixError {
  constructor(message = 'the job was cancelled') {
    super(message, { exitCode: 1 });
  }
}

/** The worker died (uncaught exception, process.exit, out of memory) before answering. */
export class WorkerCrashedError extends RhythmixError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: 1, ...options });
  }
}

export class WorkerTimeoutError extends RhythmixError {
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(`${what} took longer than ${Math.round(timeoutMs / 100) / 10} s and was stopped`, { exitCode: 1 });
    this.timeoutMs = timeoutMs;
  }
}

/** A non-Rhythmix error thrown by the worker's handler, with the worker's stack. */
export class WorkerFailedError extends Error {
  readonly remoteName: string;

  constructor(remoteName: string, message: string, remoteStack?: string) {
    super(message);
    this.name = 'WorkerFailedError';
    this.remoteName = remoteName;
    if (remoteStack) this.stack = remoteStack;
  }
}
