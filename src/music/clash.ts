/**
 * How often an accompaniment clashes with its melody on strong beats: the share of accompaniment
 * notes sounding on a strong beat that lie a semitone (or a minor ninth, or that plus octaves) or a
 * tritone from a melody note sounding there. Harmonize's quality measure (docs/harmonize.md),
 * compared with the same measure on Bach's chorales (soprano as melody, the other voices as
 * accompaniment). Major sevenths are not counted: they are the inversion of a semitone but common
 * in tonal music as passing sevenths.
 *
 *     const melody = [{ pitch: 72, start: 0, duration: 4, velocity: 80 }];        // C5, a whole bar
 *     clashRate(melody, [{ pitch: 59, start: 0, duration: 2, velocity: 80 }],     // B3: a minor ninth below
 *       strongBeats(createPiece([]), 4))                                            // beats 0 and 2 of 4/4
 *     // => { notes: 1, clashes: 1, rate: 1 }  (the B3 sounds on beat 0 only)
 */
import { barLengthBeats, barStartBeats, type Note, type Piece } from './piece.js';

export interface ClashCount {
  /** Accompaniment notes sounding on a strong beat (a note held over two strong beats counts twice). */
  readonly notes: number;
  /** Of those, the ones a semitone/minor ninth or a tritone from a sounding melody note. */
  readonly clashes: number;
  /** clashes / notes (0 when there are none). */
  readonly rate: number;
}

/** Semitone, minor ninth (and their octaves) or tritone, in either direction. */
export function isClash(a: number, b: number): boolean {
  const interval = Math.abs(a - b) % 12;
  return interval === 1 || interval === 6;
}

/**
 * Strong beats up to `endBeats`: every bar line, and the middle of bars whose numerator is even
 * (beat 3 of 4/4, the second dotted quarter of 6/8), from the piece's time signatures (4/4 without any).
 */
export function strongBeats(piece: Pick<Piece, 'timeSignatures'>, endBeats: number): number[] {
  const beats: number[] = [];
  for (let bar = 0; ; bar++) {
    const start = barStartBeats(piece, bar);
    if (start >= endBeats - 1e-9) break;
    const signature = [...piece.timeSignatures].reverse().find((t) => t.time <= start + 1e-9) ?? { numerator: 4, denominator: 4 };
    beats.push(start);
    const middle = start + barLengthBeats(signature) / 2;
    if (signature.numerator % 2 === 0 && middle < endBeats - 1e-9) beats.push(middle);
  }
  return beats;
}

const soundsAt = (note: Note, time: number): boolean => note.start <= time + 1e-9 && note.start + note.duration > time + 1e-9;

/** The clash count of `accompaniment` against `melody` over the given beats (quarter notes). */
export function clashRate(melody: readonly Note[], accompaniment: readonly Note[], beats: readonly number[]): ClashCount {
  let notes = 0;
  let clashes = 0;
  for (const beat of beats) {
    const melodyPitches = melody.filter((n) => soundsAt(n, beat)).map((n) => n.pitch);
    for (const note of accompaniment) {
      if (!soundsAt(note, beat)) continue;
      notes++;
      if (melodyPitches.some((p) => isClash(p, note.pitch))) clashes++;
    }
  }
  return { notes, clashes, rate: notes === 0 ? 0 : clashes / notes };
}

/** Sums counts (over pieces) into one rate. */
export function sumClashCounts(counts: readonly ClashCount[]): ClashCount {
  const notes = counts.reduce((n, c) => n + c.notes, 0);
  const clashes = counts.reduce((n, c) => n + c.clashes, 0);
  return { notes, clashes, rate: notes === 0 ? 0 : clashes / notes };
}
