/**
 * Harmonize: a given melody (seed notes, or a MIDI file's first pitched track) is kept exactly as
 * the piece's first track and the model writes the other tracks around it (docs/harmonize.md).
 * The options are the compose options without a length (the melody's whole bars are the piece's)
 * or `seedBars`, and with at least two tracks; files and summary are compose's, plus whether the
 * melody came through unchanged.
 */
import { z } from 'zod';
import { createPiece, type Note, type Piece, type Track } from '../music/piece.js';
import { parseKey } from '../music/key.js';
import { quantizePiece } from '../music/quantize.js';
import { parseInput } from '../util/parse-input.js';
import { InvalidInputError } from '../util/errors.js';
import type { CompositionRequest } from './composer.js';
import { DEFAULT_TRACKS, composeWithPlan, type ComposeDependencies, type ComposeSummary, type CompositionPlan } from './pipeline.js';
import { COMPOSE_FIELDS, type ComposeOptions } from './options.js';
import { MAX_TRACKS, parseInstrumentList, styleInstruments } from './instruments.js';
import { loadSeed } from './seed-input.js';

/** Most bars of a MIDI file taken as the melody (the compose seed's limit). */
export const MAX_MELODY_BARS = 64;

export const harmonizeOptionsSchema = z
  .object({
    seed: COMPOSE_FIELDS.seed,
    midi: COMPOSE_FIELDS.midi,
    style: COMPOSE_FIELDS.style,
    // The melody's instrument first, then the accompaniment's: at least one of each.
    instruments: z.array(z.string().min(1)).min(2).max(MAX_TRACKS).optional(),
    tracks: z.number().int().min(2).max(MAX_TRACKS).optional(),
    tempo: COMPOSE_FIELDS.tempo,
    temperature: COMPOSE_FIELDS.temperature,
    topK: COMPOSE_FIELDS.topK,
    samplingSeed: COMPOSE_FIELDS.samplingSeed,
    key: COMPOSE_FIELDS.key,
    model: COMPOSE_FIELDS.model,
    soundfont: COMPOSE_FIELDS.soundfont,
    outDir: COMPOSE_FIELDS.outDir,
    allowCopies: COMPOSE_FIELDS.allowCopies,
    score: COMPOSE_FIELDS.score,
  })
  .strict()
  .refine((o) => !(o.seed !== undefined && o.midi !== undefined), { message: 'use either {seed} or {midi}, not both', path: ['seed'] })
  .refine((o) => o.seed !== undefined || o.midi !== undefined, { message: 'give the melody: {seed} notes or a {midi} file', path: ['seed'] })
  .refine((o) => !(o.instruments !== undefined && o.tracks !== undefined), {
    message: 'use either {instruments} or {tracks}, not both',
    path: ['instruments'],
  });

export type HarmonizeOptionsInput = z.input<typeof harmonizeOptionsSchema>;
export type HarmonizeOptions = z.output<typeof harmonizeOptionsSchema>;

export interface HarmonizeSummary extends ComposeSummary {
  /** The result's first track has exactly the melody's notes (pitch, onset, length on the 16th grid). */
  readonly melodyKept: boolean;
}

export function parseHarmonizeOptions(input: unknown): HarmonizeOptions {
  return parseInput(harmonizeOptionsSchema, input, 'harmonize options');
}

/** The first pitched track with notes: the melody of a seed or a MIDI file. */
export function melodyTrack(piece: Piece): Track | undefined {
  return piece.tracks.find((t) => !t.isDrum && t.notes.length > 0);
}

/** Reads the melody and resolves the request: the melody's whole bars, melody instrument first. */
async function planHarmonize(options: ComposeOptions): Promise<CompositionPlan> {
  const instruments =
    options.instruments !== undefined
      ? parseInstrumentList(options.instruments)
      : styleInstruments(options.style, options.tracks ?? Math.max(2, DEFAULT_TRACKS[options.style]));
  if (instruments[0]?.isDrum) throw new InvalidInputError('the first of the {instruments} plays the melody: it cannot be drums', { field: 'instruments' });
  const loaded = await loadSeed({
    notation: options.seed,
    midi: options.midi,
    seedBars: MAX_MELODY_BARS,
    tempo: options.tempo,
    program: instruments[0]?.program,
  });
  const track = melodyTrack(loaded.piece);
  if (!track) throw new InvalidInputError(`{midi} ${options.midi ?? ''} has no pitched notes to harmonize`, { field: options.midi ? 'midi' : 'seed' });
  const seedNotes = { ...loaded, piece: { ...loaded.piece, tracks: [track] } };
  const timeSignature = loaded.piece.timeSignatures.at(-1) ?? { numerator: 4, denominator: 4 };
  const request: CompositionRequest = {
    style: options.style,
    instruments,
    bars: loaded.bars,
    totalBeats: loaded.beats,
    bpm: options.tempo ?? loaded.piece.tempos[0]?.bpm ?? 120,
    timeSignature: { numerator: timeSignature.numerator, denominator: timeSignature.denominator },
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.samplingSeed !== undefined ? { samplingSeed: options.samplingSeed } : {}),
    ...(options.key !== undefined ? { key: parseKey(options.key) } : {}),
    seedBeats: 0,
    harmonize: true,
  };
  return { seedNotes, request };
}

const noteKey = (n: Note): string => `${n.pitch}@${Math.round(n.start * 1e6)}+${Math.round(n.duration * 1e6)}`;

/** Same pitches, onsets and lengths (the melody quantised as the model writes it: 16ths). */
export function sameMelody(melody: Track, result: Track | undefined): boolean {
  if (!result) return false;
  const quantized = quantizePiece(createPiece([melody])).piece.tracks[0]?.notes ?? [];
  const want = quantized.map(noteKey).sort();
  const got = result.notes.map(noteKey).sort();
  return want.length === got.length && want.every((k, i) => k === got[i]);
}

/** Validated harmonize options → the files, the summary and whether the melody was kept. */
export async function harmonizeToFiles(options: HarmonizeOptions, deps: ComposeDependencies = {}): Promise<HarmonizeSummary> {
  let melody: Track | undefined;
  const plan = async (o: ComposeOptions): Promise<CompositionPlan> => {
    const planned = await planHarmonize(o);
    melody = planned.seedNotes.piece.tracks[0];
    return planned;
  };
  const { summary, piece } = await composeWithPlan({ ...options, seedBars: MAX_MELODY_BARS, takes: 1 }, deps, plan);
  return { ...summary, melodyKept: melody !== undefined && sameMelody(melody, piece.tracks[0]) };
}
