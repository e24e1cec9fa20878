/**
 * Validation of a use case's input against its zod schema, with one kind of failure:
 * InvalidInputError naming the field (`{topK}`), what was expected and the value refused. The
 * command line and the bot each word the field for their audience (InvalidInputError.worded).
 */
import type { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { QUOTE_MAX_CHARS, quoteInput } from './text.js';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), input);
}

function primitive(value: unknown): string | number | boolean | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}

/** The first issue of a failed parse as an InvalidInputError. */
export function invalidInput(error: z.ZodError, input: unknown, what: string): InvalidInputError {
  const issue = error.issues[0];
  if (!issue) return new InvalidInputError(`invalid ${what}`);
  // An unknown key is the key's fault, not its parent's.
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = key === undefined ? issue.path : [...issue.path, key];
  // The field, as far as it has names: `settings.epochs`, and `instruments` for `instruments.2`.
  const firstIndex = path.findIndex((key) => typeof key !== 'string');
  const named = firstIndex === -1 ? path : path.slice(0, firstIndex);
  const field = named.length > 0 ? named.join('.') : undefined;
  // Refinements across fields write their own sentence, naming the fields as {field}.
  if (issue.code === 'custom') return new InvalidInputError(issue.message, field === undefined ? {} : { field });
  if (key !== undefined) return new InvalidInputError(`{${key}}: not an option here`, { field: key });
  const value = valueAt(input, path);
  const received = primitive(value);
  // Strings quoted and cut like every echo of user input; other values as JSON, cut as well.
  const shown = typeof value === 'string' ? quoteInput(value) : (JSON.stringify(value) ?? String(value));
  const got = value === undefined ? '' : ` (got ${shown.length > 2 * QUOTE_MAX_CHARS ? `${shown.slice(0, QUOTE_MAX_CHARS)}…` : shown})`;
  const subject = field === undefined ? what : `{${field}}`;
  return new InvalidInputError(`${subject}: ${issue.message}${got}`, {
    ...(field === undefined ? {} : { field }),
    ...(received === undefined ? {} : { received }),
  });
}

/** `schema.parse(input)`, failing with an InvalidInputError that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error, input, what);
}
