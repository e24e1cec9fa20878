/**
 * Quantisation: moving every onset and release onto a grid of `stepsPerQuarter` steps
 * per quarter note (default 4 = 16th notes), the form the token language needs.
 *
 * Rounding rule (as Magenta's `quantizeToStep` with cutoff 0.5): a time of `x` quarter
 * notes lands on step `floor(x * stepsPerQuarter + 0.5)` — the nearest step, halves
 * rounding up. Onsets and releases are rounded independently. Worked example on the
 * 16th grid:
 *
 *     onset 1.12 beats = 4.48 steps → step 4 (beat 1.00), 0.48 step off: off-grid
 *     onset 1.13 beats = 4.52 steps → step 5 (beat 1.25), 0.48 step off: off-grid
 *     onset 0.125 beats = 0.5 steps → step 1 (beat 0.25): a half rounds up
 *     triplet 8th at 1/3 beat = 1.33 steps → step 1 (beat 0.25): off-grid
 *     release 1.998 beats = 7.992 steps → step 8, 0.008 step off: on the grid
 *
 * A note is counted as off the grid when its onset or release is more than `tolerance`
 * steps (default 0.05) from the nearest step: triplets and swing are reported, while a
 * release a tick early (0.008 step at 480 PPQ) is not. A note whose onset and release
 * round to the same step keeps one step. Same-pitch notes of one track never overlap
 * afterwards: of notes starting on the same step the longest (then loudest) is kept, and
 * a note still sounding when the next one of its pitch starts is cut there.
 */
import { InvalidInputError } from '../util/errors.js';
import { type Note, type Piece, type TempoChange, type TimeSignature, type Track, assertValidPiece, compareNotes } from './piece.js';

export const DEFAULT_STEPS_PER_QUARTER = 4;
/** Distance in steps from the grid below which a time counts as on the grid. */
export const DEFAULT_OFF_GRID_TOLERANCE = 0.05;

export interface QuantizeOptions {
  /** Grid steps per quarter note: 4 = 16ths, 2 = 8ths, 1 = quarters, 12 = 16th triplets. */
  stepsPerQuarter?: number;
  /** Steps from the grid a time may be and still count as on it (0 ≤ tolerance < 0.5). */
  tolerance?: number;
}

export interface QuantizeResult {
  /** All starts and durations are whole multiples of 1 / stepsPerQuarter. */
  readonly piece: Piece;
  readonly stepsPerQuarter: number;
  /** Notes whose onset or release was off the grid (moved by more than the tolerance). */
  readonly offGridNotes: number;
  /** Notes whose onset was off the grid. */
  readonly offGridOnsets: number;
  /** Notes in the input. */
  readonly totalNotes: number;
  /** Notes whose onset and release fell on one step and were given one step. */
  readonly extendedNotes: number;
  /** Notes cut short where the next note of the same pitch in the track starts. */
  readonly truncatedNotes: number;
  /** Notes dropped because another note of the same pitch starts on the same step. */
  readonly droppedDuplicates: number;
}

/**
 * The grid step nearest to `beats` (halves round up).
 *
 *     toStep(1.12, 4)   // => 4
 *     toStep(0.125, 4)  // => 1
 */
export function toStep(beats: number, stepsPerQuarter: number): number {
  // The epsilon keeps values like 0.49999999999 (float noise around a half) rounding up.
  return Math.floor(beats * stepsPerQuarter + 0.5 + 1e-9);
}

/** Steps between `beats` and the nearest grid step: `gridDistance(1/3, 4) // => 0.333…` */
export function gridDistance(beats: number, stepsPerQuarter: number): number {
  const steps = beats * stepsPerQuarter;
  return Math.abs(steps - Math.round(steps));
}

/** True when the note's onset and release lie within `tolerance` steps of the grid. */
export function isNoteOnGrid(note: Note, stepsPerQuarter: number, tolerance = DEFAULT_OFF_GRID_TOLERANCE): boolean {
  return gridDistance(note.start, stepsPerQuarter) <= tolerance && gridDistance(note.start + note.duration, stepsPerQuarter) <= tolerance;
}

function checkGrid(stepsPerQuarter: number, tolerance: number): void {
  if (!Number.isInteger(stepsPerQuarter) || stepsPerQuarter < 1 || stepsPerQuarter > 96) {
    throw new InvalidInputError(`steps per quarter must be an integer 1..96, got ${stepsPerQuarter}`);
  }
  if (!(tolerance >= 0 && tolerance < 0.5)) {
    throw new InvalidInputError(`off-grid tolerance must be in [0, 0.5) steps, got ${tolerance}`);
  }
}

/** Keep the last of several events on one step, and drop events equal to their predecessor. */
function quantizeMap<T extends { readonly time: number }>(events: readonly T[], stepsPerQuarter: number, same: (a: T, b: T) => boolean): T[] {
  const byStep = new Map<number, T>();
  for (const event of [...events].sort((a, b) => a.time - b.time)) {
    const step = Math.max(0, toStep(event.time, stepsPerQuarter));
    byStep.set(step, { ...event, time: step / stepsPerQuarter });
  }
  const result: T[] = [];
  for (const event of [...byStep.values()].sort((a, b) => a.time - b.time)) {
    const previous = result[result.length - 1];
    if (previous === undefined || !same(previous, event)) result.push(event);
  }
  return result;
}

interface TrackCounts {
  truncated: number;
  dropped: number;
}

/** Resolve same-pitch collisions on step positions (see the module comment for the rule). */
function resolveOverlaps(notes: Array<{ pitch: number; start: number; end: number; velocity: number }>, counts: TrackCounts) {
  notes.sort((a, b) => a.pitch - b.pitch || a.start - b.start || b.end - a.end || b.velocity - a.velocity);
  const kept: typeof notes = [];
  for (const note of notes) {
    const previous = kept[kept.length - 1];
    if (previous !== undefined && previous.pitch === note.pitch) {
      if (previous.start === note.start) {
        counts.dropped++;
        continue;
      }
      if (previous.end > note.start) {
        previous.end = note.start;
        counts.truncated++;
      }
    }
    kept.push(note);
  }
  return kept;
}

/**
 * Quantise a piece to the grid and report what moved.
 *
 *     const { piece, offGridNotes } = quantizePiece(swingy, { stepsPerQuarter: 4 })
 */
export function quantizePiece(piece: Piece, options: QuantizeOptions = {}): QuantizeResult {
  const stepsPerQuarter = options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  const tolerance = options.tolerance ?? DEFAULT_OFF_GRID_TOLERANCE;
  checkGrid(stepsPerQuarter, tolerance);
  assertValidPiece(piece, { allowZeroDurations: true });

  let offGridNotes = 0;
  let offGridOnsets = 0;
  let totalNotes = 0;
  let extendedNotes = 0;
  const counts: TrackCounts = { truncated: 0, dropped: 0 };

  const tracks: Track[] = piece.tracks.map((track) => {
    const stepped = track.notes.map((note) => {
      totalNotes++;
      const onsetOff = gridDistance(note.start, stepsPerQuarter) > tolerance;
      const releaseOff = gridDistance(note.start + note.duration, stepsPerQuarter) > tolerance;
      if (onsetOff) offGridOnsets++;
      if (onsetOff || releaseOff) offGridNotes++;
      const start = toStep(note.start, stepsPerQuarter);
      let end = toStep(note.start + note.duration, stepsPerQuarter);
      if (end <= start) {
        end = start + 1;
        extendedNotes++;
      }
      return { pitch: note.pitch, start, end, velocity: note.velocity };
    });
    const notes: Note[] = resolveOverlaps(stepped, counts).map((n) => ({
      pitch: n.pitch,
      start: n.start / stepsPerQuarter,
      duration: (n.end - n.start) / stepsPerQuarter,
      velocity: n.velocity,
    }));
    return { ...track, notes: notes.sort(compareNotes) };
  });

  const tempos = quantizeMap<TempoChange>(piece.tempos, stepsPerQuarter, (a, b) => a.bpm === b.bpm);
  const timeSignatures = quantizeMap<TimeSignature>(
    piece.timeSignatures,
    stepsPerQuarter,
    (a, b) => a.numerator === b.numerator && a.denominator === b.denominator,
  );
  return {
    piece: { ...piece, tracks, tempos, timeSignatures },
    stepsPerQuarter,
    offGridNotes,
    offGridOnsets,
    totalNotes,
    extendedNotes,
    truncatedNotes: counts.truncated,
    droppedDuplicates: counts.dropped,
  };
}

/** The first time (in beats) of the piece that is off the grid, or undefined if it is quantised. */
function firstOffGrid(piece: Piece, stepsPerQuarter: number): string | undefined {
  const off = (beats: number): boolean => gridDistance(beats, stepsPerQuarter) > 1e-6;
  for (const [t, track] of piece.tracks.entries()) {
    for (const note of track.notes) {
      if (off(note.start) || off(note.duration)) {
        return `track ${t} note ${note.pitch} at beat ${note.start} lasting ${note.duration}`;
      }
    }
  }
  const ts = piece.timeSignatures.find((s) => off(s.time));
  return ts === undefined ? undefined : `time signature at beat ${ts.time}`;
}

/** True when every note start, duration and time signature lies on the grid. */
export function isQuantized(piece: Piece, stepsPerQuarter: number): boolean {
  return firstOffGrid(piece, stepsPerQuarter) === undefined;
}

/** Throws `InvalidInputError` naming the first thing off the grid. */
export function assertQuantized(piece: Piece, stepsPerQuarter: number): void {
  const where = firstOffGrid(piece, stepsPerQuarter);
  if (where !== undefined) {
    throw new InvalidInputError(`piece is not quantised to ${stepsPerQuarter} steps per quarter: ${where} (run quantizePiece first)`);
  }
}
