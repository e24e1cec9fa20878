/**
 * Compose options as the CLI and the bot hand them over, validated with zod. Every failure is
 * an InvalidInputError naming the option, the value and what was expected.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { STYLES } from '../music/styles.js';
import { InvalidInputError } from '../util/errors.js';
import { MAX_TRACKS } from './instruments.js';

/** Largest sampling seed (`--sample-seed`): a signed 32-bit integer, as SQLite, Discord and JSON all hold it. */
export const MAX_SAMPLING_SEED = 2 ** 31 - 1;

const SAMPLING_SEED_RANGE = `must be a whole number from 0 to ${MAX_SAMPLING_SEED}`;

/** A fresh sampling seed: every compose that names none is a new take. */
export function randomSamplingSeed(): number {
  return randomInt(0, MAX_SAMPLING_SEED + 1);
}

export const composeOptionsSchema = z
  .object({
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
    // Same ranges as the engine's sampler: temperature 0 = greedy, top-k 0 = off.
    temperature: z.number().min(0).max(5).optional(),
    topK: z.number().int().min(0).max(100_000).optional(),
    /** Seed of the sampler (`--sample-seed`): same value and options, same piece. Left out: a random one. */
    samplingSeed: z
      .number({ error: SAMPLING_SEED_RANGE })
      .int({ error: SAMPLING_SEED_RANGE })
      .min(0, { error: SAMPLING_SEED_RANGE })
      .max(MAX_SAMPLING_SEED, { error: SAMPLING_SEED_RANGE })
      .optional(),
    key: z.string().trim().min(1).optional(),
    model: z.string().min(1).optional(),
    soundfont: z.string().min(1).optional(),
    outDir: z.string().min(1).default('out'),
  })
  .strict()
  .refine((o) => !(o.seed !== undefined && o.midi !== undefined), { message: 'use either --seed or --midi, not both', path: ['seed'] })
  .refine((o) => !(o.instruments !== undefined && o.tracks !== undefined), {
    message: 'use either --instruments or --tracks, not both',
    path: ['instruments'],
  })
  .refine((o) => !(o.bars !== undefined && o.seconds !== undefined), { message: 'use either --bars or --seconds, not both', path: ['bars'] });

export type ComposeOptionsInput = z.input<typeof composeOptionsSchema>;
export type ComposeOptions = z.output<typeof composeOptionsSchema>;

/** Option names as the CLI spells them, for messages. */
const FLAG_NAMES: Record<string, string> = { topK: '--top-k', outDir: '--out', seedBars: '--seed-bars', samplingSeed: '--sample-seed' };

function flagName(path: readonly PropertyKey[]): string {
  const key = String(path[0] ?? 'options');
  return FLAG_NAMES[key] ?? `--${key}`;
}

export function parseComposeOptions(input: unknown): ComposeOptions {
  const result = composeOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new InvalidInputError('invalid compose options');
  const value = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), input);
  const shown = value === undefined || issue.code === 'custom' ? '' : ` (got ${JSON.stringify(value)})`;
  throw new InvalidInputError(issue.code === 'custom' ? issue.message : `${flagName(issue.path)}: ${issue.message}${shown}`);
}
