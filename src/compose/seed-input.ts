/**
 * The seed notes a composition starts from: seed notation (`--seed`), the first bars of a MIDI
 * file (`--midi`), or nothing (the model starts from scratch). Not the sampling seed
 * (`--sample-seed`), which only picks among the model's choices.
 */
import { readMidiFile } from '../midi/read.js';
import { createPiece, DEFAULT_BPM, noteCount, pieceLengthBeats, type Note, type Piece } from '../music/piece.js';
import { SeedSyntaxError, readSeed } from '../music/seed.js';
import { barStarts, barsToBeats } from '../render/bars.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

export interface SeedNotes {
  readonly piece: Piece;
  /** Whole bars the seed notes occupy (0 without any). */
  readonly bars: number;
  /** Where the seed ends, quarter notes: the composed part starts here. */
  readonly beats: number;
}

/** The part of a piece before `beats`; notes crossing the cut are shortened to it. */
export function cutPiece(piece: Piece, beats: number): Piece {
  const cut = (notes: readonly Note[]): Note[] =>
    notes.filter((n) => n.start < beats - 1e-9).map((n) => (n.start + n.duration > beats ? { ...n, duration: beats - n.start } : n));
  return {
    ...piece,
    tracks: piece.tracks.map((t) => ({ ...t, notes: cut(t.notes) })).filter((t) => t.notes.length > 0),
    tempos: piece.tempos.filter((t) => t.time < beats || t.time === 0),
    timeSignatures: piece.timeSignatures.filter((t) => t.time < beats || t.time === 0),
  };
}

function wholeBars(piece: Piece, length = pieceLengthBeats(piece)): { bars: number; beats: number } {
  const starts = barStarts(piece, length);
  const bars = Math.max(1, starts.length);
  return { bars, beats: barsToBeats(piece, bars) };
}

export interface SeedSource {
  /** Seed notation (the `--seed` option). */
  readonly notation?: string | undefined;
  readonly midi?: string | undefined;
  readonly seedBars: number;
  readonly tempo?: number | undefined;
  /** GM program for a notation seed's track (the first requested instrument). */
  readonly program?: number | undefined;
  /** The requested meter (`meter`): a notation seed without one of its own, and no seed, are in it. */
  readonly meter?: { readonly numerator: number; readonly denominator: number } | undefined;
}

/** Reads the seed notes: notation, the first bars of a MIDI file, or none. */
export async function loadSeed(source: SeedSource): Promise<SeedNotes> {
  if (source.notation !== undefined) {
    let parsed: ReturnType<typeof readSeed>;
    try {
      parsed = readSeed(source.notation, {
        ...(source.tempo !== undefined ? { bpm: source.tempo } : {}),
        ...(source.program !== undefined ? { program: source.program } : {}),
        ...(source.meter !== undefined ? { timeSignature: source.meter } : {}),
      });
    } catch (error) {
      if (error instanceof SeedSyntaxError)
        throw new InvalidInputError(`{seed} ${quoteInput(source.notation)}: ${error.message}`, { field: 'seed', cause: error });
      throw error;
    }
    const { piece } = parsed;
    if (noteCount(piece) === 0) throw new InvalidInputError(`{seed} ${quoteInput(source.notation)} contains no notes`, { field: 'seed' });
    // Trailing rests belong to the seed: the model continues after them.
    return { piece, ...wholeBars(piece, Math.max(parsed.lengthBeats, pieceLengthBeats(piece))) };
  }
  if (source.midi !== undefined) {
    const full = await readMidiFile(source.midi);
    if (noteCount(full) === 0) throw new InvalidInputError(`{midi} ${source.midi} contains no notes`, { field: 'midi' });
    const available = wholeBars(full).bars;
    const bars = Math.min(source.seedBars, available);
    const beats = barsToBeats(full, bars);
    const piece = cutPiece(full, beats);
    if (noteCount(piece) === 0) {
      throw new InvalidInputError(`the first ${bars} bar(s) of ${source.midi} hold no notes — pass a larger {seedBars}`, { field: 'seedBars' });
    }
    return { piece, bars, beats };
  }
  return {
    piece: createPiece([], { bpm: source.tempo ?? DEFAULT_BPM, ...(source.meter !== undefined ? { timeSignature: source.meter } : {}) }),
    bars: 0,
    beats: 0,
  };
}
