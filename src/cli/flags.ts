/**
 * Command-line flags through the use cases' schemas: each numeric or list flag is parsed by its
 * field's schema (commander's argParser), and every InvalidInputError a command throws is worded
 * with the command's flag names (`{topK}` → `--top-k`).
 */
import { z } from 'zod';
import { InvalidInputError, RhythmixError, type FieldNamer } from '../util/errors.js';
import { parseInput } from '../util/parse-input.js';

/**
 * Fields named `--kebab-case` unless `renamed` gives the flag (e.g. `{ samplingSeed: '--sample-seed' }`);
 * a nested field (`settings.learningRate`) by its last name.
 */
export function flagNamer(renamed: Readonly<Record<string, string>> = {}): FieldNamer {
  return (field) => {
    const last = field.slice(field.lastIndexOf('.') + 1);
    return renamed[field] ?? renamed[last] ?? `--${last.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  };
}

/** The error with its fields named as flags. */
export function asFlagError(error: InvalidInputError, namer: FieldNamer): InvalidInputError {
  return new InvalidInputError(error.worded(namer), { ...(error.field ? { field: error.field } : {}), cause: error });
}

/** Runs a command's action; an error meant for the user comes out worded with the command's flags. */
export function withFlagNames<A extends unknown[]>(namer: FieldNamer, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (error) {
      // The same error, class and exit code; only its message now says `--top-k` where it said `topK`.
      throw error instanceof RhythmixError ? error.nameFields(namer) : error;
    }
  };
}

/** The innermost type of a field (inside optional, default, nullable…). */
function baseType(type: z.ZodType): z.ZodType {
  let inner = type;
  for (let def = inner.def as { innerType?: z.ZodType }; def.innerType; def = inner.def as { innerType?: z.ZodType }) inner = def.innerType;
  return inner;
}

/** A flag's text as the field's type: a number, a comma-separated list, or the text itself. Unreadable numbers stay text for the schema to refuse. */
function fromText(type: z.ZodType, raw: string): unknown {
  const base = baseType(type);
  const number = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
  if (base.def.type === 'number') return number(raw);
  if (base.def.type === 'array') {
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const element = baseType((base.def as unknown as { element: z.ZodType }).element);
    return element.def.type === 'number' ? items.map(number) : items;
  }
  return raw;
}

/**
 * A commander argParser for the flag of `field` in a use case's schema: the flag's text is read
 * as the field's type and checked by the field's own schema, so a bad value fails at once,
 * worded with `namer`.
 */
export function fieldParser<S extends z.ZodObject>(schema: S, field: keyof S['shape'] & string, namer: FieldNamer): (raw: string) => unknown {
  const type = schema.shape[field] as z.ZodType;
  const single = z.object({ [field]: type });
  return (raw) => {
    try {
      return (parseInput(single, { [field]: fromText(type, raw) }, field) as Record<string, unknown>)[field];
    } catch (error) {
      // The same error, class and exit code; only its message now says `--top-k` where it said `topK`.
      throw error instanceof RhythmixError ? error.nameFields(namer) : error;
    }
  };
}
