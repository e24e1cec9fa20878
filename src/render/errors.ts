import { RhythmixError } from '../util/errors.js';

/** A render step failed for a reason that is neither bad input nor a missing tool. */
export class RenderError extends RhythmixError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: 1, ...options });
  }
}

/** Rendering ran past its time limit; both child processes have been killed. */
export class RenderTimeoutError extends RenderError {}
