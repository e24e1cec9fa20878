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

/** A field of an input in braces, e.g. `{topK}` or `{settings.epochs}`: each adapter names it its own way. */
const FIELD_PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)\}/g;

/**
 * How an audience calls an input's fields: `topK` is `--top-k` on the command line, `top_k` in
 * Discord. Nested fields come as a path (`settings.epochs`).
 */
export type FieldNamer = (field: string) => string;

export interface InvalidInputDetails {
  /** The input field at fault (its name in the use case's schema, e.g. `topK`). */
  readonly field?: string;
  /** The value that was refused, when there was one. */
  readonly received?: string | number | boolean;
  readonly cause?: unknown;
}

/**
 * Input that cannot be used (bad MIDI, bad seed, limits exceeded, wrong option values). The message
 * is a template that writes input fields as `{field}`; `message` names them as the code does
 * (`topK`), `worded(namer)` as an audience does (`--top-k`, `` `top_k` ``). The template, field and
 * value are plain own properties, so they survive a process boundary (jobs/worker-protocol.ts).
 */
export class InvalidInputError extends RhythmixError {
  readonly template: string;
  readonly field?: string;
  readonly received?: string | number | boolean;

  constructor(template: string, details: InvalidInputDetails = {}) {
    super(
      wordTemplate(template, (field) => field),
      details.cause === undefined ? {} : { cause: details.cause },
    );
    this.template = template;
    if (details.field !== undefined) this.field = details.field;
    if (details.received !== undefined) this.received = details.received;
  }

  /** The message with every field named by `namer`. */
  worded(namer: FieldNamer): string {
    // Rebuilt errors (worker-protocol) may have lost the template to an older serialisation: the message then stands.
    return typeof this.template === 'string' ? wordTemplate(this.template, namer) : this.message;
  }
}

/**
 * Fills a template's `{field}` placeholders. Two fields that one audience names alike ("`length`
 * or `length`" for bars and seconds in Discord) collapse into one mention.
 */
export function wordTemplate(template: string, namer: FieldNamer): string {
  const named = template.replace(FIELD_PLACEHOLDER, (_, field: string) => namer(field));
  return named.replace(/(\S+) or \1(?!\S)/g, '$1');
}

/** A message for `error` as an audience reads it: invalid input names its fields with `namer`. */
export function wordedMessage(error: unknown, namer: FieldNamer): string {
  if (error instanceof InvalidInputError) return error.worded(namer);
  return errorMessage(error);
}

/** A required external tool or file is missing (fluidsynth, ffmpeg, soundfont, model). */
export class MissingDependencyError extends RhythmixError {
  constructor(message: string) {
    super(message, { exitCode: 1 });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
