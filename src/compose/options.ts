/**
 * Compose options as the CLI and the bot hand them over, validated with zod: the input schema of
 * the compose use case (src/app/compose.ts). Every failure is an InvalidInputError naming the
 * field (`{topK}`), the value and what was expected; the CLI and the bot word the field.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { FORM_HELP, isForm } from '../music/form.js';
import { STYLES } from '../music/styles.js';
import { SUPPORTED_METERS, meterName } from '../music/vocabulary.js';
import { quoteInput } from '../util/text.js';
import { TEMPERATURE_RANGE, TOP_K_RANGE } from '../model/sampler.js';
import { parseInput } from '../util/parse-input.js';
import { MAX_TRACKS } from './instruments.js';

/** Largest sampling seed (`--sample-seed`): a signed 32-bit integer, as SQLite, Discord and JSON all hold it. */
export const MAX_SAMPLING_SEED = 2 ** 31 - 1;

const SAMPLING_SEED_RANGE = `must be a whole number from 0 to ${MAX_SAMPLING_SEED}`;

/** A fresh sampling seed: every compose that names none is a new take. */
export function randomSamplingSeed(): number {
  return randomInt(0, MAX_SAMPLING_SEED + 1);
}

/** The most takes one compose may ask for (src/compose/takes.ts). */
export const MAX_TAKES = 2;
/** The meters `meter` takes: those the token language has a `meter:` token for (docs/tokens.md). */
export const METER_NAMES: readonly string[] = SUPPORTED_METERS.map(meterName);

/** `meter`: a time signature of the token language, e.g. "3/4" or "6/8". */
const meterField = z
  .string()
  .trim()
  .superRefine((value, context) => {
    if (!METER_NAMES.includes(value.replace(/\s+/g, ''))) {
      context.addIssue({ code: 'custom', message: `{meter} ${quoteInput(value)} is not a meter the model knows: use one of ${METER_NAMES.join(', ')}` });
    }
  })
  .transform((value) => value.replace(/\s+/g, ''));

/** `form`: sections by letters or a form's name (src/music/form.ts, docs/form.md). */
const formField = z
  .string()
  .trim()
  .superRefine((value, context) => {
    if (!isForm(value)) context.addIssue({ code: 'custom', message: `{form} ${quoteInput(value)} is not a form: use ${FORM_HELP}` });
  });

/** The compose fields, shared with the harmonize schema (src/compose/harmonize.ts). */
export const COMPOSE_FIELDS = {
  /**
   * Seed notes in seed notation, e.g. "C4q E4q G4h" (`--seed`, the bot's `seed`). The key keeps
   * the CLI's and the bot's name; in code these are "seed notes", never the sampling seed.
   */
  seed: z.string().trim().min(1).max(4000).optional(),
  /** A MIDI file whose first `seedBars` bars seed the piece. */
  midi: z.string().min(1).optional(),
  seedBars: z.number().int().min(1).max(64).default(4),
  style: z.enum(STYLES).default('folk'),
  instruments: z.array(z.string().min(1)).min(1).max(MAX_TRACKS).optional(),
  tracks: z.number().int().min(1).max(MAX_TRACKS).optional(),
  tempo: z.number().min(20).max(400).optional(),
  bars: z.number().int().min(1).max(512).optional(),
  seconds: z.number().positive().max(3600).optional(),
  // The engine's sampler's ranges: temperature 0 = greedy, top-k 0 = off.
  temperature: z.number().min(TEMPERATURE_RANGE.min).max(TEMPERATURE_RANGE.max).optional(),
  topK: z.number().int().min(TOP_K_RANGE.min).max(TOP_K_RANGE.max).optional(),
  /** Seed of the sampler (`--sample-seed`): same value and options, same piece. Left out: a random one. */
  samplingSeed: z
    .number({ error: SAMPLING_SEED_RANGE })
    .int({ error: SAMPLING_SEED_RANGE })
    .min(0, { error: SAMPLING_SEED_RANGE })
    .max(MAX_SAMPLING_SEED, { error: SAMPLING_SEED_RANGE })
    .optional(),
  key: z.string().trim().min(1).optional(),
  /** Time signature of the piece, e.g. "3/4" (`--meter`); default: the seed's, else 4/4. */
  meter: meterField.optional(),
  /** Sections of equal length, returning letters restated, e.g. "AABA" (`--form`, docs/form.md). */
  form: formField.optional(),
  model: z.string().min(1).optional(),
  soundfont: z.string().min(1).optional(),
  outDir: z.string().min(1).default('out'),
  /** Keep a piece that shares 4 bars or more with a training piece instead of composing it again (docs/originality.md). */
  allowCopies: z.boolean().optional(),
  /** Also engrave the score: piece.musicxml and score.png (`--score`; the bot always asks for it). */
  score: z.boolean().optional(),
};

export const composeOptionsSchema = z
  .object({
    ...COMPOSE_FIELDS,
    /** Takes of the request, each with its own sampling seed (src/compose/takes.ts); harmonize has none. */
    takes: z.number().int().min(1).max(MAX_TAKES).default(1),
  })
  .strict()
  .refine((o) => !(o.seed !== undefined && o.midi !== undefined), { message: 'use either {seed} or {midi}, not both', path: ['seed'] })
  .refine((o) => !(o.instruments !== undefined && o.tracks !== undefined), {
    message: 'use either {instruments} or {tracks}, not both',
    path: ['instruments'],
  })
  .refine((o) => !(o.bars !== undefined && o.seconds !== undefined), { message: 'use either {bars} or {seconds}, not both', path: ['bars'] })
  // Temperature 0 always picks the likeliest token: every take would be the same piece.
  .refine((o) => !(o.takes > 1 && o.temperature === 0), {
    message: 'two {takes} at {temperature} 0 would be the same piece — raise the temperature',
    path: ['takes'],
  });

export type ComposeOptionsInput = z.input<typeof composeOptionsSchema>;
export type ComposeOptions = z.output<typeof composeOptionsSchema>;

export function parseComposeOptions(input: unknown): ComposeOptions {
  return parseInput(composeOptionsSchema, input, 'compose options');
}
