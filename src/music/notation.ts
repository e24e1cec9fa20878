/**
 * Common-practice notation on an integer grid: which lengths are note values (plain or dotted),
 * how a length that is not one is split into tied values that show the beat, and how a staff's
 * notes become voices of chords and rests. Pure; src/music/musicxml.ts writes the result.
 *
 * Times are whole grid steps of `1 / divisions` quarter notes. `divisions` is a power of two
 * (1 … 16), so every single step is a note value (a quarter … a 64th).
 */
import { InvalidInputError } from '../util/errors.js';

export type NoteType = 'whole' | 'half' | 'quarter' | 'eighth' | '16th' | '32nd' | '64th';

export interface NoteValue {
  readonly type: NoteType;
  readonly dots: 0 | 1;
}

/** Note types and their length in quarter notes, longest first. */
const NOTE_TYPES: ReadonlyArray<readonly [NoteType, number]> = [
  ['whole', 4],
  ['half', 2],
  ['quarter', 1],
  ['eighth', 1 / 2],
  ['16th', 1 / 4],
  ['32nd', 1 / 8],
  ['64th', 1 / 16],
];

/** Beams a value carries (eighth 1 … 64th 4; 0 for a quarter or longer). */
export function beamCount(type: NoteType): number {
  return Math.max(0, NOTE_TYPES.findIndex(([t]) => t === type) - 2);
}

/**
 * The note value `steps` long, or undefined when it is none (then it is written as tied values).
 *
 *     noteValue(6, 4)  // => { type: 'quarter', dots: 1 }
 *     noteValue(5, 4)  // => undefined
 */
export function noteValue(steps: number, divisions: number): NoteValue | undefined {
  for (const [type, quarters] of NOTE_TYPES) {
    const plain = quarters * divisions;
    if (plain === steps) return { type, dots: 0 };
    if (plain * 1.5 === steps && Number.isInteger(plain / 2)) return { type, dots: 1 };
  }
  return undefined;
}

export interface Meter {
  readonly numerator: number;
  readonly denominator: number;
}

/** Steps in one bar of `meter`. */
export function barSteps(meter: Meter, divisions: number): number {
  return (meter.numerator * 4 * divisions) / meter.denominator;
}

/** Steps in one beat: a dotted quarter in compound metres (6/8, 9/8, 12/8), else the denominator's value. */
export function beatSteps(meter: Meter, divisions: number): number {
  const unit = (4 * divisions) / meter.denominator;
  const compound = meter.denominator >= 8 && meter.numerator % 3 === 0 && meter.numerator > 3;
  return compound ? unit * 3 : unit;
}

/** The grid (steps per quarter) a metre needs: its denominator's value must be whole steps. */
export function meterDivisions(meter: Meter): number {
  return Math.max(1, meter.denominator / 4);
}

/** Number of trailing zero bits: how strong a position on a power-of-two grid is. */
function strength(position: number): number {
  let n = 0;
  for (let p = position; p > 0 && p % 2 === 0; p /= 2) n++;
  return n;
}

/**
 * `[start, end)` inside one bar (steps from the bar line) as the note values it is written with,
 * tied: a value that starts on a beat stays whole; one that starts off the beat and crosses it is
 * cut at the beat (the syncopation shows where the beat falls); inside a beat, a length that is
 * no value is cut at its strongest subdivision.
 *
 *     splitIntoValues(0, 5, { numerator: 4, denominator: 4 }, 4)  // => [[0, 4], [4, 5]]
 *     splitIntoValues(2, 8, { numerator: 4, denominator: 4 }, 4)  // => [[2, 4], [4, 8]]
 */
export function splitIntoValues(start: number, end: number, meter: Meter, divisions: number): Array<[number, number]> {
  if (!(Number.isInteger(start) && Number.isInteger(end) && end > start && start >= 0)) {
    throw new InvalidInputError(`cannot write ${start}..${end} as note values: expected whole steps, end after start`);
  }
  const beat = beatSteps(meter, divisions);
  const onBeat = (x: number): boolean => x % beat === 0;
  const values = (s: number, e: number): Array<[number, number]> => {
    const firstBeatInside = (Math.floor(s / beat) + 1) * beat;
    const crossesBeat = firstBeatInside < e;
    if (noteValue(e - s, divisions) && (onBeat(s) || !crossesBeat)) return [[s, e]];
    let cut: number;
    if (crossesBeat && !onBeat(s)) cut = firstBeatInside;
    else if (crossesBeat) {
      // On a beat: the longest value that ends on a beat, the rest after it.
      cut = firstBeatInside;
      for (let b = firstBeatInside; b < e; b += beat) if (noteValue(b - s, divisions)) cut = b;
    } else {
      cut = s + 1;
      for (let b = s + 1; b < e; b++) if (strength(b) > strength(cut)) cut = b;
    }
    return [...values(s, cut), ...values(cut, e)];
  };
  return values(start, end);
}

/** Notes sounding together with one onset and one length: written as one chord. */
export interface Chord<N> {
  readonly start: number;
  readonly end: number;
  readonly notes: readonly N[];
}

/** Most voices one staff is written with; a denser texture has some notes shortened (docs/score.md). */
export const MAX_VOICES_PER_STAFF = 4;

/**
 * A staff's notes as voices: notes with the same onset and length form a chord, and each chord
 * goes to the first voice that is free by its onset (higher chords first when several start
 * together, so voice 1 is the upper one). Past `MAX_VOICES_PER_STAFF` a chord takes the voice that
 * frees first, whose last chord is cut short where it starts (or joined when it starts together).
 *
 *     toVoices([{ start: 0, end: 4, pitch: 60 }, { start: 0, end: 2, pitch: 64 }], (n) => n.pitch)
 *     // => [[{ start: 0, end: 2, notes: [E4] }], [{ start: 0, end: 4, notes: [C4] }]]
 */
export function toVoices<N extends { readonly start: number; readonly end: number }>(notes: readonly N[], pitchOf: (note: N) => number): Chord<N>[][] {
  const groups = new Map<string, N[]>();
  for (const note of notes) {
    const key = `${note.start}:${note.end}`;
    const group = groups.get(key);
    if (group) group.push(note);
    else groups.set(key, [note]);
  }
  const top = (chord: readonly N[]): number => Math.max(...chord.map(pitchOf));
  const chords = [...groups.values()]
    .map((group) => ({ start: group[0]!.start, end: group[0]!.end, notes: [...group].sort((a, b) => pitchOf(a) - pitchOf(b)) }))
    .sort((a, b) => a.start - b.start || top(b.notes) - top(a.notes));
  const voices: Array<Array<{ start: number; end: number; notes: N[] }>> = [];
  for (const chord of chords) {
    const free = voices.find((voice) => (voice.at(-1)?.end ?? 0) <= chord.start);
    if (free) free.push(chord);
    else if (voices.length < MAX_VOICES_PER_STAFF) voices.push([chord]);
    else {
      const voice = voices.reduce((best, v) => ((v.at(-1)?.end ?? 0) < (best.at(-1)?.end ?? 0) ? v : best));
      const last = voice.at(-1)!;
      if (last.start === chord.start) last.notes.push(...chord.notes.filter((n) => !last.notes.some((m) => pitchOf(m) === pitchOf(n))));
      else {
        last.end = chord.start;
        voice.push(chord);
      }
    }
  }
  return voices;
}
