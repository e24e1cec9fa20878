/**
 * Errors a user can act on. The CLI prints `rhythmix: <message>` and exits with
 * `exitCode`; the bot shows the message (never a stack trace).
 *
 * A message may name input fields as `{field}` (`{topK}`, `{settings.epochs}`): `message` names
 * them as the code does (`topK`), `worded(namer)` as an audience does — the command line
 * `--top-k` (src/cli/flags.ts), the bot `` `top_k` `` (src/bot/field-names.ts).
 */

/** A field of an input in braces, e.g. `{topK}` or `{settings.epochs}`: each adapter names it its own way. */
const FIELD = String.raw`\{([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)\}`;
const FIELD_PLACEHOLDER = new RegExp(FIELD, 'g');
const FIELD_ALTERNATIVES = new RegExp(`${FIELD} or ${FIELD}`, 'g');

/**
 * How an audience calls an input's fields: `topK` is `--top-k` on the command line, `top_k` in
 * Discord. Nested fields come as a path (`settings.epochs`).
 */
export type FieldNamer = (field: string) => string;

/**
 * Fills a template's `{field}` placeholders. Two fields that one audience names alike ("`length`
 * or `length`" for bars and seconds in Discord) collapse into one mention.
 */
export function wordTemplate(template: string, namer: FieldNamer): string {
  const merged = template.replace(FIELD_ALTERNATIVES, (both, a: string, b: string) => (namer(a) === namer(b) ? `{${a}}` : both));
  return merged.replace(FIELD_PLACEHOLDER, (_, field: string) => namer(field));
}

export class RhythmixError extends Error {
  /** Process exit code for the CLI: 2 = bad input or usage, 1 = environment or internal. */
  readonly exitCode: number;
  /** The message as written, fields as `{field}`: a plain own property, so it survives a process boundary (jobs/envelope.ts). */
  template: string;

  constructor(template: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(
      wordTemplate(template, (field) => field),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 2;
    this.template = template;
  }

  /** The message with every field named by `namer`. */
  worded(namer: FieldNamer): string {
    // An error rebuilt from an older serialisation may have no template: its message stands.
    return typeof this.template === 'string' ? wordTemplate(this.template, namer) : this.message;
  }

  /** Names the fields with `namer` for good (message and template): the edge that knows its audience best words it first. */
  nameFields(namer: FieldNamer): this {
    this.message = this.worded(namer);
    this.template = this.message;
    return this;
  }
}

export interface InvalidInputDetails {
  /** The input field at fault (its name in the use case's schema, e.g. `topK`). */
  readonly field?: string;
  /** The value that was refused, when there was one. */
  readonly received?: string | number | boolean;
  readonly cause?: unknown;
}

/**
 * Input that cannot be used (bad MIDI, bad seed, limits exceeded, wrong option values), with the
 * field at fault and the value refused (plain own properties, like the template).
 */
export class InvalidInputError extends RhythmixError {
  readonly field?: string;
  readonly received?: string | number | boolean;

  constructor(template: string, details: InvalidInputDetails = {}) {
    super(template, details.cause === undefined ? {} : { cause: details.cause });
    if (details.field !== undefined) this.field = details.field;
    if (details.received !== undefined) this.received = details.received;
  }
}

/** A message for `error` as an audience reads it: fields named with `namer`. */
export function wordedMessage(error: unknown, namer: FieldNamer): string {
  if (error instanceof RhythmixError) return error.worded(namer);
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
