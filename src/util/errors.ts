/**
 * Errors a user can act on. The CLI prints `rhythmix: <message>` and exits with
 * `exitCode`; the bot shows the message (never a stack trace).
 */
export class RhythmixError extends Error {
  /** Process exit code for the CLI: 2 = bad input or usage, 1 = environment or internal. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Input that cannot be used (bad MIDI, bad seed, limits exceeded, wrong option values). */
export class InvalidInputError extends RhythmixError {}

/** A required external tool or file is missing (fluidsynth, ffmpeg, soundfont, model). */
export class MissingDependencyError extends RhythmixError {
  constructor(message: string) {
    super(message, { exitCode: 1 });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
