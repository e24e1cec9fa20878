/**
 * Errors across a process boundary (run-in-child.ts): serialised by the child, rebuilt by the
 * parent so user-facing errors keep their class and fields.
 */
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
