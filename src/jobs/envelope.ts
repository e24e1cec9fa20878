/**
 * The one message shape between a caller and an entry that runs in its own worker thread or
 * child process (src/workers/*). Every exchange is a call with an id: the caller sends `call`
 * (and `cancel` to stop it), the entry answers with any number of `progress` and then exactly one
 * `result` or `error`. A one-shot job is a single call; a long-lived entry (training replicas, the
 * voice thread) serves many, and both sides may also send one-way `event`s.
 */
import { InvalidInputError, MissingDependencyError, RhythmixError } from '../util/errors.js';
import { JobCancelledError, WorkerFailedError } from './errors.js';

export type Envelope =
  | { readonly type: 'call'; readonly id: number; readonly input: unknown }
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'progress'; readonly id: number; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'event'; readonly value: unknown };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Set for RhythmixError (user-facing) errors, so they stay user-facing across the boundary. */
  readonly exitCode?: number;
  /** Extra own fields such as a seed error's `position`. */
  readonly fields?: Record<string, unknown>;
}

/** Error classes a caller wants rebuilt by name (`RenderError`, `VoiceQueueFullError`, …). */
export type ErrorClasses = Readonly<Record<string, (message: string) => Error>>;

export function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
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

const BUILT_IN: ErrorClasses = {
  InvalidInputError: (message) => new InvalidInputError(message),
  MissingDependencyError: (message) => new MissingDependencyError(message),
  JobCancelledError: (message) => new JobCancelledError(message),
};

export interface RebuildOptions {
  /** The caller's own typed errors, by name (checked before the built-in ones). */
  readonly classes?: ErrorClasses;
  /** What an error of no known class becomes; default WorkerFailedError (with the entry's stack). */
  readonly unknown?: (serialized: SerializedError) => Error;
}

/**
 * Rebuilds an entry's error on the caller's side: a known class by name, any other user-facing
 * error (exit code 2: bad input) as InvalidInputError or RhythmixError, keeping name and fields.
 */
export function deserializeError(serialized: SerializedError, options: RebuildOptions = {}): Error {
  const known = options.classes?.[serialized.name] ?? BUILT_IN[serialized.name];
  let error: Error;
  if (known) error = known(serialized.message);
  else if (serialized.exitCode === 2) error = new InvalidInputError(serialized.message);
  else if (serialized.exitCode !== undefined) error = new RhythmixError(serialized.message, { exitCode: serialized.exitCode });
  else return options.unknown?.(serialized) ?? new WorkerFailedError(serialized.name, serialized.message, serialized.stack);
  Object.assign(error, serialized.fields ?? {});
  error.name = serialized.name;
  return error;
}
