/**
 * Runs one heavy computation in a fresh worker thread so the main event loop (Discord
 * heartbeats, voice packets) keeps running. Whatever the worker does — throws, exits, hangs,
 * runs out of memory — ends as a rejected promise here, never as a crash of this process.
 */
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { JobCancelledError, WorkerCrashedError, WorkerTimeoutError } from './errors.js';
import { deserializeError, type WorkerMessage } from './worker-protocol.js';

export interface RunInWorkerOptions<P> {
  onProgress?: (progress: P) => void;
  /** Stop the worker after this long (ms). Default: no limit. */
  timeoutMs?: number;
  /** Aborting terminates the worker and rejects with JobCancelledError. */
  signal?: AbortSignal;
  resourceLimits?: ResourceLimits;
  transferList?: readonly TransferListItem[];
  /** Shown in errors and thread names; default the file name. */
  name?: string;
}

/** `optionsOrProgress` may be just the progress listener. */
export function runInWorker<I, O, P = unknown>(
  workerFile: string | URL,
  input: I,
  optionsOrProgress: RunInWorkerOptions<P> | ((progress: P) => void) = {},
): Promise<O> {
  const options: RunInWorkerOptions<P> = typeof optionsOrProgress === 'function' ? { onProgress: optionsOrProgress } : optionsOrProgress;
  const name = options.name ?? String(workerFile).split(/[\\/]/).pop() ?? 'worker';
  return new Promise<O>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new JobCancelledError());
      return;
    }
    const worker = new Worker(workerFile, {
      workerData: input,
      name,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      ...(options.transferList ? { transferList: [...options.transferList] } : {}),
    });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = () => finish(() => reject(new JobCancelledError()));
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => finish(() => reject(new WorkerTimeoutError(name, options.timeoutMs as number))), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: WorkerMessage<O, P>) => {
      if (message.type === 'progress') {
        if (!settled) safely(() => options.onProgress?.(message.value));
      } else if (message.type === 'result') {
        finish(() => resolve(message.value));
      } else if (message.type === 'error') {
        finish(() => reject(deserializeError(message.error)));
      }
    });
    worker.on('error', (error) => finish(() => reject(new WorkerCrashedError(`${name} crashed: ${error.message}`, { cause: error }))));
    worker.on('messageerror', (error) => finish(() => reject(new WorkerCrashedError(`${name} sent a message that could not be read: ${error.message}`, { cause: error }))));
    worker.on('exit', (code) => finish(() => reject(new WorkerCrashedError(`${name} exited with code ${code} before finishing`))));
  });
}

/** A progress listener's mistake must not fail the job. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // ignored on purpose
  }
}
