/**
 * The messages between runInWorker (main thread) and a worker entry. A worker entry is
 * `serveWorker(async (input, { progress }) => output)`; input arrives as workerData.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { InvalidInputError, MissingDependencyError, RhythmixError } from '../util/errors.js';
import { WorkerFailedError } from './errors.js';

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Set for RhythmixError (user-facing) errors, so they stay user-facing across the boundary. */
  exitCode?: number;
  /** Extra own fields such as a seed error's `position`. */
  fields?: Record<string, unknown>;
}

export type WorkerMessage<O, P> =
  | { type: 'progress'; value: P }
  | { type: 'result'; value: O }
  | { type: 'error'; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'exitCode' && ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error instanceof RhythmixError ? { exitCode: error.exitCode } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/** Rebuilds a worker's error: InvalidInputError and MissingDependencyError keep their class. */
export function deserializeError(serialized: SerializedError): Error {
  let error: Error;
  if (serialized.name === 'MissingDependencyError') error = new MissingDependencyError(serialized.message);
  else if (serialized.exitCode === 2) error = new InvalidInputError(serialized.message);
  else if (serialized.exitCode !== undefined) error = new RhythmixError(serialized.message, { exitCode: serialized.exitCode });
  else return new WorkerFailedError(serialized.name, serialized.message, serialized.stack);
  Object.assign(error, serialized.fields ?? {});
  error.name = serialized.name;
  return error;
}

export interface WorkerContext<P> {
  progress(value: P): void;
}

/** Runs `handler` on this worker's input and answers the main thread. Call once, at top level. */
export function serveWorker<I, O, P = unknown>(handler: (input: I, context: WorkerContext<P>) => Promise<O> | O): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker must run inside a worker thread (use runInWorker)');
  const port = parentPort;
  const post = (message: WorkerMessage<O, P>) => port.postMessage(message);
  Promise.resolve()
    .then(() => handler(workerData as I, { progress: (value) => post({ type: 'progress', value }) }))
    .then(
      (value) => post({ type: 'result', value }),
      (error: unknown) => post({ type: 'error', error: serializeError(error) }),
    );
}
