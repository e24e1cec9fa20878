/**
 * The playground's form → the compose use case's input, checked like /compose: the form's own,
 * narrower ranges first (a public page should stay quick to serve), each read from or checked
 * against the compose schema, then the use case's own check (src/app/compose.ts): fields,
 * combinations, the seed's notation, a piece longer than its seed. Errors name the form's fields.
 */
import { z } from 'zod';
import { checkComposeInput } from '../app/compose.js';
import type { ComposeRequestInput } from '../app/lineage.js';
import { narrowerRange, type NumericComposeOption, type OptionRange } from '../compose/option-ranges.js';
import { parseKey } from '../music/key.js';
import { SeedSyntaxError } from '../music/seed.js';
import { InvalidInputError, type FieldNamer } from '../util/errors.js';

/** A narrower range than the schema's that the playground offers (checked when this module loads). */
const within = (key: NumericComposeOption, range: OptionRange): OptionRange => narrowerRange(key, range, 'the playground');

/** What the playground offers (docs/web.md): short pieces, a few tracks, like /compose in Discord. */
export const PLAYGROUND_LIMITS = {
  seedLength: 500,
  instrumentsLength: 100,
  keyLength: 20,
  formLength: 20,
  tracks: within('tracks', { min: 1, max: 4 }),
  tempo: within('tempo', { min: 30, max: 300 }),
  length: within('bars', { min: 2, max: 32 }),
  temperature: within('temperature', { min: 0.1, max: 2 }),
} as const;

/** Form fields whose name differs from the use case's field. */
const FORM_FIELDS: Readonly<Record<string, string>> = { bars: 'length', seconds: 'length', seedBars: 'length' };

/** A use-case field as the form names it (the `name` of its input). */
export const formFieldName: FieldNamer = (field) => {
  const last = field.slice(field.lastIndexOf('.') + 1);
  return FORM_FIELDS[last] ?? last;
};

const text = (max: number) => z.string().trim().max(max).optional();
const number = (range: OptionRange) => z.number().min(range.min).max(range.max).optional();

/** The form as the page posts it (JSON); empty fields are left out by the page. */
export const playgroundFormSchema = z
  .object({
    seed: text(PLAYGROUND_LIMITS.seedLength),
    style: text(20),
    instruments: text(PLAYGROUND_LIMITS.instrumentsLength),
    tempo: number(PLAYGROUND_LIMITS.tempo),
    length: number(PLAYGROUND_LIMITS.length).pipe(z.number().int().optional()),
    temperature: number(PLAYGROUND_LIMITS.temperature),
    key: text(PLAYGROUND_LIMITS.keyLength),
    // Checked against the compose schema's meters and forms by the use case (METER_NAMES, FORM_HELP).
    meter: text(10),
    form: text(PLAYGROUND_LIMITS.formLength),
  })
  .strict();

export type PlaygroundForm = z.output<typeof playgroundFormSchema>;

/** A refusal the page shows beside `field`; `position` is a seed mistake's character index. */
export interface FormProblem {
  readonly field?: string;
  readonly message: string;
  readonly position?: number;
}

export class FormError extends InvalidInputError {
  readonly problem: FormProblem;

  constructor(problem: FormProblem) {
    super(problem.message, problem.field ? { field: problem.field } : {});
    this.problem = problem;
  }
}

function inputOf(form: PlaygroundForm): ComposeRequestInput {
  const input: ComposeRequestInput = {};
  if (form.seed) input.seed = form.seed;
  if (form.style) input.style = form.style.toLowerCase();
  if (form.instruments) {
    input.instruments = form.instruments
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (input.instruments.length > PLAYGROUND_LIMITS.tracks.max)
      throw new FormError({ field: 'instruments', message: `the playground composes at most ${PLAYGROUND_LIMITS.tracks.max} instruments` });
  }
  if (form.tempo !== undefined) input.tempo = form.tempo;
  if (form.length !== undefined) input.bars = form.length;
  if (form.temperature !== undefined) input.temperature = form.temperature;
  if (form.key) input.key = form.key;
  if (form.meter) input.meter = form.meter;
  if (form.form) input.form = form.form;
  return input;
}

/** The posted form → a checked compose input, or a FormError naming the field. */
export async function composeInputFromForm(body: unknown): Promise<ComposeRequestInput> {
  const parsed = playgroundFormSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    throw new FormError({ ...(field ? { field } : {}), message: field ? `${field}: ${issue.message}` : issue.message });
  }
  const input = inputOf(parsed.data);
  // The use case refuses an unknown key without naming the field; the form marks it.
  if (typeof input.key === 'string') {
    try {
      parseKey(input.key);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new FormError({ field: 'key', message: error.message });
      throw error;
    }
  }
  try {
    await checkComposeInput(input);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const seedMistake = error instanceof SeedSyntaxError ? error : error.cause instanceof SeedSyntaxError ? error.cause : undefined;
    if (seedMistake) {
      throw new FormError({
        field: 'seed',
        message: `mistake at character ${seedMistake.position + 1}: ${seedMistake.expected}`,
        position: seedMistake.position,
      });
    }
    throw new FormError({ ...(error.field ? { field: formFieldName(error.field) } : {}), message: error.worded(formFieldName) });
  }
  return input;
}
