/**
 * The MIDI → Piece → quantise → tokens → Piece → MIDI round trip that `dataset stats` and the
 * tests measure: how much of a piece the model's language keeps.
 *
 * Two counts, both matching notes one-to-one by track index, pitch, start and duration in the
 * MIDI file written from the decoded tokens and read back:
 * - kept: the note is there at its place on the grid (onset and release each rounded to the
 *   nearest step, as quantize.ts does). Notes dropped or changed anywhere — duplicates merged,
 *   overlaps cut, anything the tokens or the MIDI writer/reader lose — are not kept. Notes
 *   merely moved onto the grid are kept; `off_grid_notes` counts those separately.
 * - exact: the note is there at its original, unquantised start and duration (so off-grid
 *   notes are never exact). For on-grid notes the two agree.
 */
import type { Note, Piece } from '../music/piece.js';
import { quantizePiece, toStep, type QuantizeResult } from '../music/quantize.js';
import type { Style } from '../music/styles.js';
import { decodeTokens, encodePiece } from '../music/tokens.js';
import type { Vocabulary } from '../music/vocabulary.js';
import { parseMidi } from '../midi/read.js';
import { writeMidi } from '../midi/write.js';

export interface RoundTripOptions {
  readonly style: Style;
  readonly stepsPerQuarter: number;
  readonly vocabulary?: Vocabulary;
}

export interface RoundTripResult {
  readonly quantized: QuantizeResult;
  readonly tokens: readonly number[];
  /** The piece decoded from the tokens. */
  readonly decoded: Piece;
  /** The decoded piece written as MIDI and read back. */
  readonly reread: Piece;
  /** Notes of the input found in `reread` at their place on the grid. */
  readonly keptNotes: number;
  /** Notes of the input found in `reread` at their original time and length. */
  readonly exactNotes: number;
}

/** The written file is our own output of an already accepted piece: size limits do not apply. */
const OWN_OUTPUT_LIMITS = {
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxTracks: Number.MAX_SAFE_INTEGER,
  maxNotes: Number.MAX_SAFE_INTEGER,
  maxSeconds: Number.MAX_SAFE_INTEGER,
};

/**
 * Times are compared after rounding to a millionth of a beat: far finer than any MIDI
 * resolution, coarse enough to absorb float noise (e.g. 1/3 read from different PPQs).
 */
function timeKey(beats: number): number {
  return Math.round(beats * 1e6);
}

function noteKey(track: number, pitch: number, start: number, duration: number): string {
  // Strings keep arbitrary times exact; track and pitch go first, as one number.
  return `${track * 128 + pitch}:${timeKey(start)}:${timeKey(duration)}`;
}

/** Where a note lands on a grid: onset and release rounded to the nearest step, at least one step long. */
export function gridPlace(note: Note, stepsPerQuarter: number): { start: number; duration: number } {
  const start = toStep(note.start, stepsPerQuarter);
  const end = Math.max(start + 1, toStep(note.start + note.duration, stepsPerQuarter));
  return { start: start / stepsPerQuarter, duration: (end - start) / stepsPerQuarter };
}

/**
 * Notes of `expected` matched one-to-one by a note of `actual` with the same track index,
 * pitch, start and duration — compared where `place` puts each expected note (default: as is).
 */
export function countKeptNotes(expected: Piece, actual: Piece, place: (note: Note) => { start: number; duration: number } = (note) => note): number {
  const available = new Map<string, number>();
  actual.tracks.forEach((track, t) => {
    for (const note of track.notes) {
      const key = noteKey(t, note.pitch, note.start, note.duration);
      available.set(key, (available.get(key) ?? 0) + 1);
    }
  });
  let kept = 0;
  expected.tracks.forEach((track, t) => {
    for (const note of track.notes) {
      const { start, duration } = place(note);
      const key = noteKey(t, note.pitch, start, duration);
      const count = available.get(key) ?? 0;
      if (count > 0) {
        available.set(key, count - 1);
        kept += 1;
      }
    }
  });
  return kept;
}

/** Run the whole round trip on a (prepared) piece. Throws InvalidInputError where a stage refuses it. */
export function roundTrip(piece: Piece, options: RoundTripOptions): RoundTripResult {
  const { stepsPerQuarter, vocabulary } = options;
  const quantized = quantizePiece(piece, { stepsPerQuarter });
  const tokens = encodePiece(quantized.piece, {
    style: options.style,
    stepsPerQuarter,
    ...(vocabulary === undefined ? {} : { vocabulary }),
  });
  const decoded = decodeTokens(tokens, { stepsPerQuarter, ...(vocabulary === undefined ? {} : { vocabulary }) });
  const reread = parseMidi(writeMidi(decoded), OWN_OUTPUT_LIMITS);
  return {
    quantized,
    tokens,
    decoded,
    reread,
    keptNotes: countKeptNotes(piece, reread, (note) => gridPlace(note, stepsPerQuarter)),
    exactNotes: countKeptNotes(piece, reread),
  };
}
