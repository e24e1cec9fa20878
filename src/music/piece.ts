/**
 * The music core's central value: a piece of music as plain data, in the spirit of
 * Magenta's NoteSequence. Pure — no I/O; of the rest of Rhythmix it imports only the
 * error types.
 *
 * Time is measured in quarter notes ("beats") from the start of the piece, so a piece
 * keeps its rhythm when its tempo changes. Seconds come from the tempo map
 * (`beatsToSeconds`). A quantised piece (see quantize.ts) has every start and duration
 * on an integer number of grid steps.
 */
import { InvalidInputError } from '../util/errors.js';

export interface Note {
  /** MIDI pitch 0..127 (60 = C4). */
  readonly pitch: number;
  /** Onset in quarter notes from the start of the piece. */
  readonly start: number;
  /** Length in quarter notes (> 0). */
  readonly duration: number;
  /** MIDI velocity 1..127. */
  readonly velocity: number;
}

export interface Track {
  readonly name: string;
  /** General MIDI program 0..127 (ignored for drums). */
  readonly program: number;
  /** True for a percussion track (MIDI channel 10). */
  readonly isDrum: boolean;
  /** Notes sorted by start, then pitch. */
  readonly notes: readonly Note[];
}

export interface TempoChange {
  /** Position in quarter notes. */
  readonly time: number;
  readonly bpm: number;
}

export interface TimeSignature {
  /** Position in quarter notes. */
  readonly time: number;
  readonly numerator: number;
  readonly denominator: number;
}

/** A key as MIDI key signatures and the token language name it: a tonic and major or minor. */
export interface KeySignature {
  /** 0 = C … 11 = B. */
  readonly tonicPitchClass: number;
  readonly mode: 'major' | 'minor';
}

export interface Piece {
  readonly tracks: readonly Track[];
  /** Sorted by time; the first entry is at time 0. */
  readonly tempos: readonly TempoChange[];
  /** Sorted by time; the first entry is at time 0. */
  readonly timeSignatures: readonly TimeSignature[];
  /** Optional provenance, e.g. a file name or a data-set id. */
  readonly title?: string;
  /** The key the piece declares (a MIDI key signature, a key token), if any. */
  readonly key?: KeySignature;
}

export const DEFAULT_BPM = 120;
/** Velocity of notes that carry none (seeds, decoded tokens before a velocity token). */
export const DEFAULT_VELOCITY = 80;
export const DEFAULT_TIME_SIGNATURE: TimeSignature = { time: 0, numerator: 4, denominator: 4 };

/** Compare notes by onset, then pitch: the canonical order inside a track. */
export function compareNotes(a: Note, b: Note): number {
  return a.start - b.start || a.pitch - b.pitch || a.duration - b.duration;
}

/** A piece with the default tempo and metre and the given tracks (notes sorted). */
export function createPiece(tracks: readonly Track[], options: { bpm?: number; timeSignature?: Omit<TimeSignature, 'time'>; title?: string } = {}): Piece {
  const ts = options.timeSignature ?? DEFAULT_TIME_SIGNATURE;
  return {
    tracks: tracks.map((t) => ({ ...t, notes: [...t.notes].sort(compareNotes) })),
    tempos: [{ time: 0, bpm: options.bpm ?? DEFAULT_BPM }],
    timeSignatures: [{ time: 0, numerator: ts.numerator, denominator: ts.denominator }],
    ...(options.title === undefined ? {} : { title: options.title }),
  };
}

/** End of the last sounding note, in quarter notes (0 for an empty piece). */
export function pieceLengthBeats(piece: Piece): number {
  let end = 0;
  for (const track of piece.tracks) {
    for (const note of track.notes) end = Math.max(end, note.start + note.duration);
  }
  return end;
}

export function noteCount(piece: Piece): number {
  return piece.tracks.reduce((sum, t) => sum + t.notes.length, 0);
}

/** Seconds at a position in quarter notes, following the tempo map. */
export function beatsToSeconds(piece: Pick<Piece, 'tempos'>, beats: number): number {
  let seconds = 0;
  let lastTime = 0;
  let bpm = piece.tempos[0]?.bpm ?? DEFAULT_BPM;
  for (const change of piece.tempos) {
    if (change.time >= beats) break;
    seconds += ((change.time - lastTime) * 60) / bpm;
    lastTime = change.time;
    bpm = change.bpm;
  }
  return seconds + ((beats - lastTime) * 60) / bpm;
}

/** Length of a bar in quarter notes for a time signature (6/8 → 3). */
export function barLengthBeats(ts: Pick<TimeSignature, 'numerator' | 'denominator'>): number {
  return (ts.numerator * 4) / ts.denominator;
}

/** A piece whose values are out of range (pitch, velocity, negative time, unsorted maps). */
export class InvalidPieceError extends InvalidInputError {}

const isInt = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;

/**
 * Throws `InvalidPieceError` naming the first offending value: pitches 0..127, velocities
 * 1..127, programs 0..127, finite non-negative starts, positive durations, tempo and
 * time-signature maps sorted with their first entry at 0, positive tempos, metres with a
 * power-of-two denominator. `allowZeroDurations` accepts notes of length 0 (quantisation
 * gives them one step).
 *
 *     assertValidPiece(createPiece([]))  // passes
 */
export function assertValidPiece(piece: Piece, options: { allowZeroDurations?: boolean } = {}): void {
  const minDuration = options.allowZeroDurations === true ? 0 : Number.MIN_VALUE;
  const fail = (message: string): never => {
    throw new InvalidPieceError(`invalid piece: ${message}`);
  };
  piece.tracks.forEach((track, t) => {
    if (!isInt(track.program, 0, 127)) fail(`track ${t} has program ${track.program}, expected an integer 0..127`);
    track.notes.forEach((note, n) => {
      const where = `track ${t} note ${n}`;
      if (!isInt(note.pitch, 0, 127)) fail(`${where} has pitch ${note.pitch}, expected an integer 0..127`);
      if (!isInt(note.velocity, 1, 127)) fail(`${where} has velocity ${note.velocity}, expected an integer 1..127`);
      if (!Number.isFinite(note.start) || note.start < 0) fail(`${where} starts at ${note.start}, expected a finite time ≥ 0`);
      if (!Number.isFinite(note.duration) || note.duration < minDuration) {
        fail(`${where} lasts ${note.duration}, expected a finite duration > 0`);
      }
    });
  });
  const checkMap = (name: string, events: ReadonlyArray<{ time: number }>): void => {
    if (events.length === 0) fail(`no ${name}, expected one at time 0`);
    if (events[0]?.time !== 0) fail(`first ${name} is at ${events[0]?.time}, expected 0`);
    events.forEach((event, i) => {
      if (!Number.isFinite(event.time) || (i > 0 && event.time < (events[i - 1]?.time ?? 0))) {
        fail(`${name} ${i} at ${event.time} is out of order`);
      }
    });
  };
  checkMap('tempo', piece.tempos);
  for (const tempo of piece.tempos) {
    if (!Number.isFinite(tempo.bpm) || tempo.bpm <= 0) fail(`tempo ${tempo.bpm} bpm at ${tempo.time}, expected > 0`);
  }
  checkMap('time signature', piece.timeSignatures);
  for (const ts of piece.timeSignatures) {
    const powerOfTwo = isInt(ts.denominator, 1, 64) && (ts.denominator & (ts.denominator - 1)) === 0;
    if (!isInt(ts.numerator, 1, 64) || !powerOfTwo) {
      fail(`time signature ${ts.numerator}/${ts.denominator} at ${ts.time}, expected 1..64 over a power of two`);
    }
  }
}

/** The time signature in effect at `beats`. */
export function timeSignatureAt(piece: Pick<Piece, 'timeSignatures'>, beats: number): TimeSignature {
  let current = piece.timeSignatures[0] ?? DEFAULT_TIME_SIGNATURE;
  for (const ts of piece.timeSignatures) {
    if (ts.time > beats) break;
    current = ts;
  }
  return current;
}

/** The tempo (bpm) in effect at `beats`. */
export function tempoAt(piece: Pick<Piece, 'tempos'>, beats: number): number {
  let bpm = piece.tempos[0]?.bpm ?? DEFAULT_BPM;
  for (const tempo of piece.tempos) {
    if (tempo.time > beats) break;
    bpm = tempo.bpm;
  }
  return bpm;
}

/**
 * Start (in beats) of bar `index` (0-based). Each time-signature change starts a new bar,
 * even in the middle of the previous metre's bar.
 *
 *     barStartBeats(createPiece([], { timeSignature: { numerator: 3, denominator: 4 } }), 2)  // => 6
 */
export function barStartBeats(piece: Pick<Piece, 'timeSignatures'>, index: number): number {
  const signatures = piece.timeSignatures.length > 0 ? piece.timeSignatures : [DEFAULT_TIME_SIGNATURE];
  let bar = 0;
  for (let i = 0; i < signatures.length; i++) {
    const ts = signatures[i] as TimeSignature;
    const next = signatures[i + 1];
    const length = barLengthBeats(ts);
    const barsHere = next === undefined ? Infinity : Math.ceil((next.time - ts.time) / length - 1e-9);
    if (index < bar + barsHere) return ts.time + (index - bar) * length;
    bar += barsHere;
  }
  return 0; // unreachable: the last signature holds infinitely many bars
}

/**
 * Position in bars (fractional) of `beats` in a piece's meter: each time signature starts a new
 * bar, as `barStartBeats` counts them. 12 beats are 3 bars of 4/4 and 4 bars of 3/4.
 */
export function barsAt(piece: Pick<Piece, 'timeSignatures'>, beats: number): number {
  const signatures = piece.timeSignatures.length > 0 ? piece.timeSignatures : [DEFAULT_TIME_SIGNATURE];
  let bars = 0;
  for (let i = 0; i < signatures.length; i++) {
    const ts = signatures[i] as TimeSignature;
    const next = signatures[i + 1];
    const length = barLengthBeats(ts);
    if (next === undefined || beats < next.time) return bars + (beats - ts.time) / length;
    bars += Math.ceil((next.time - ts.time) / length - 1e-9);
  }
  return bars;
}

/** Number of bars the piece's notes reach into (0 for an empty piece). */
export function barCount(piece: Piece): number {
  const end = pieceLengthBeats(piece) - 1e-9;
  const signatures = piece.timeSignatures.length > 0 ? piece.timeSignatures : [DEFAULT_TIME_SIGNATURE];
  // Bar starts as barStartBeats places them, walked once (not barStartBeats per bar: a file with
  // thousands of metre changes made that quadratic, seconds for one inspect).
  let bars = 0;
  for (let i = 0; i < signatures.length; i++) {
    const ts = signatures[i] as TimeSignature;
    const next = signatures[i + 1];
    const length = barLengthBeats(ts);
    const barsHere = next === undefined ? Infinity : Math.ceil((next.time - ts.time) / length - 1e-9);
    for (let k = 0; k < barsHere; k++) {
      if (ts.time + k * length >= end) return bars;
      bars++;
    }
  }
  return bars;
}

/**
 * Number of frames of `1 / framesPerQuarter` beats the piece spans, counting a frame
 * that is only partly sounded: the denominator of frame-level likelihoods.
 *
 *     frameCount(pieceOfTwoAndAHalfBeats, 1)  // => 3
 *     frameCount(pieceOfTwoAndAHalfBeats, 4)  // => 10
 */
export function frameCount(piece: Piece, framesPerQuarter = 1): number {
  return Math.max(0, Math.ceil(pieceLengthBeats(piece) * framesPerQuarter - 1e-9));
}

/** Lowest and highest pitch of the pitched (non-drum) notes, or undefined when there are none. */
export function pitchRange(piece: Piece): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const track of piece.tracks) {
    if (track.isDrum) continue;
    for (const note of track.notes) {
      min = Math.min(min, note.pitch);
      max = Math.max(max, note.pitch);
    }
  }
  return min <= max ? { min, max } : undefined;
}

/**
 * The piece moved by `semitones`; drum tracks stay put. Throws `InvalidInputError` when a
 * note would leave 0..127 (check `pitchRange` first to choose a safe interval).
 *
 *     transposePiece(cMajorChord, 2)  // D major chord
 */
export function transposePiece(piece: Piece, semitones: number): Piece {
  if (!Number.isInteger(semitones)) throw new InvalidInputError(`transposition must be whole semitones, got ${semitones}`);
  const range = pitchRange(piece);
  if (range !== undefined && (range.min + semitones < 0 || range.max + semitones > 127)) {
    throw new InvalidInputError(`cannot transpose by ${semitones}: pitches ${range.min}..${range.max} would leave the MIDI range 0..127`);
  }
  return {
    ...piece,
    tracks: piece.tracks.map((track) =>
      track.isDrum
        ? track
        : {
            ...track,
            notes: track.notes.map((note) => ({ ...note, pitch: note.pitch + semitones })),
          },
    ),
  };
}

/** Events of a map that apply within [start, end), moved to start at 0. */
function sliceMap<T extends { readonly time: number }>(events: readonly T[], start: number, end: number): T[] {
  let current: T | undefined;
  const later: T[] = [];
  for (const event of events) {
    if (event.time <= start) current = event;
    else if (event.time < end) later.push({ ...event, time: event.time - start });
  }
  return [...(current === undefined ? [] : [{ ...current, time: 0 }]), ...later];
}

/**
 * The part of a piece from `start` to `end` beats, moved to begin at 0: notes that start
 * inside it, cut at `end`; the tempo and metre in effect at `start` become the first ones.
 *
 *     slicePiece(piece, 4, 8)  // the second 4/4 bar
 */
export function slicePiece(piece: Piece, start: number, end: number): Piece {
  if (!(start >= 0 && end > start)) throw new InvalidInputError(`invalid slice ${start}..${end}: expected 0 ≤ start < end`);
  return {
    ...piece,
    tracks: piece.tracks.map((track) => ({
      ...track,
      notes: track.notes
        .filter((note) => note.start >= start && note.start < end)
        .map((note) => ({ ...note, start: note.start - start, duration: Math.min(note.duration, end - note.start) })),
    })),
    tempos: sliceMap(piece.tempos, start, end),
    timeSignatures: sliceMap(piece.timeSignatures, start, end),
  };
}

/**
 * The first `bars` bars (a MIDI file used as a seed).
 *
 *     firstBars(piece, 4)
 */
export function firstBars(piece: Piece, bars: number): Piece {
  if (!Number.isInteger(bars) || bars < 1) throw new InvalidInputError(`bar count must be a positive integer, got ${bars}`);
  return slicePiece(piece, 0, barStartBeats(piece, bars));
}

/** Drop map events equal to their predecessor (same values at a later time). */
function dedupeMap<T extends { readonly time: number }>(events: readonly T[], same: (a: T, b: T) => boolean): T[] {
  const result: T[] = [];
  for (const event of events) {
    const previous = result[result.length - 1];
    if (previous !== undefined && previous.time === event.time) result[result.length - 1] = event;
    else if (previous === undefined || !same(previous, event)) result.push(event);
  }
  return result;
}

/** Where `appendPiece` puts the next piece by default: the first bar line at or after the last note's end. */
export function endOnBarLine(piece: Piece): number {
  const end = pieceLengthBeats(piece);
  let bar = 0;
  let start = barStartBeats(piece, 0);
  while (start < end - 1e-9) start = barStartBeats(piece, ++bar);
  return start;
}

/**
 * `second` played after `first`, starting at `at` beats (default: the bar line after
 * `first` ends; an earlier `at` overlays the two). Each track of `second` joins the first
 * unused track of `first` with the same instrument (program and drum flag), or is added
 * as a new track. From `at` on, the tempo and metre maps are `second`'s.
 *
 *     appendPiece(seed, continuation)
 */
export function appendPiece(first: Piece, second: Piece, options: { at?: number } = {}): Piece {
  const at = options.at ?? endOnBarLine(first);
  if (!(at >= 0)) throw new InvalidInputError(`cannot append at beat ${at}: expected a time ≥ 0`);
  const tracks: Track[] = first.tracks.map((t) => ({ ...t, notes: [...t.notes] }));
  const used = new Set<number>();
  for (const track of second.tracks) {
    const shifted = track.notes.map((n) => ({ ...n, start: n.start + at }));
    const index = tracks.findIndex((t, i) => !used.has(i) && t.isDrum === track.isDrum && t.program === track.program);
    if (index >= 0) {
      const target = tracks[index] as Track;
      tracks[index] = { ...target, notes: [...target.notes, ...shifted].sort(compareNotes) };
      used.add(index);
    } else {
      used.add(tracks.length);
      tracks.push({ ...track, notes: shifted });
    }
  }
  const shift = <T extends { readonly time: number }>(events: readonly T[]) => events.map((e) => ({ ...e, time: e.time + at }));
  return {
    ...first,
    tracks,
    tempos: dedupeMap([...first.tempos.filter((e) => e.time < at), ...shift(second.tempos)], (a, b) => a.bpm === b.bpm),
    // A repeated metre is redundant only on the previous one's bar lines; elsewhere it re-phases the bars.
    timeSignatures: dedupeMap(
      [...first.timeSignatures.filter((e) => e.time < at), ...shift(second.timeSignatures)],
      (a, b) => a.numerator === b.numerator && a.denominator === b.denominator && Math.abs(((b.time - a.time) / barLengthBeats(a)) % 1) < 1e-9,
    ),
  };
}

/**
 * Tracks `indices` merged into one at the place of the first of them (its name and
 * instrument are kept); the other tracks stay in order.
 *
 *     mergeTracks(piece, [1, 2])  // piano left and right hand as one track
 */
export function mergeTracks(piece: Piece, indices: readonly number[]): Piece {
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  for (const i of wanted) {
    if (!isInt(i, 0, piece.tracks.length - 1)) {
      throw new InvalidInputError(`no track ${i} to merge: the piece has tracks 0..${piece.tracks.length - 1}`);
    }
  }
  const [target] = wanted;
  if (target === undefined || wanted.length === 1) return piece;
  const merged = wanted.flatMap((i) => piece.tracks[i]?.notes ?? []).sort(compareNotes);
  const tracks = piece.tracks.flatMap((track, i) => {
    if (i === target) return [{ ...track, notes: merged }];
    return wanted.includes(i) ? [] : [track];
  });
  return { ...piece, tracks };
}

/**
 * Tracks with the same instrument merged (all drum tracks become one), in order of first
 * appearance: how a MIDI file with many tracks fits the token language's track limit.
 */
export function mergeTracksByInstrument(piece: Piece): Piece {
  const byKey = new Map<string, { track: Track; notes: Note[] }>();
  for (const track of piece.tracks) {
    const key = track.isDrum ? 'drums' : `program ${track.program}`;
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, { track, notes: [...track.notes] });
    else group.notes.push(...track.notes);
  }
  const tracks = [...byKey.values()].map(({ track, notes }) => ({ ...track, notes: notes.sort(compareNotes) }));
  return { ...piece, tracks };
}

/**
 * Each pitched track's notes of one pitch that follow each other without a gap joined into one
 * held note (velocity of the first): how a piano roll read frame by frame — one note per frame —
 * becomes music again. Drum tracks are left alone (their hits are meant to repeat).
 *
 *     mergeRepeatedNotes(piece)  // C4 beat 0 + C4 beat 1 → C4 held for two beats
 */
export function mergeRepeatedNotes(piece: Piece, tolerance = 1e-6): Piece {
  const tracks = piece.tracks.map((track) => {
    if (track.isDrum) return track;
    const merged: Note[] = [];
    const open = new Map<number, number>(); // pitch → index in merged of its latest note
    for (const note of [...track.notes].sort(compareNotes)) {
      const index = open.get(note.pitch);
      const previous = index === undefined ? undefined : merged[index];
      if (previous !== undefined && Math.abs(previous.start + previous.duration - note.start) <= tolerance) {
        merged[index!] = { ...previous, duration: note.start + note.duration - previous.start };
      } else {
        open.set(note.pitch, merged.length);
        merged.push(note);
      }
    }
    return { ...track, notes: merged.sort(compareNotes) };
  });
  return { ...piece, tracks };
}

/**
 * The inverse reading: each pitched note cut at every multiple of `frameBeats` it spans, so a
 * held note becomes one note per frame (how a model trained on `jsb-frames` reads a seed).
 *
 *     splitNotesIntoFrames(piece, 1)  // C4 held for two beats → C4 beat 0 + C4 beat 1
 */
export function splitNotesIntoFrames(piece: Piece, frameBeats: number, tolerance = 1e-6): Piece {
  if (!(frameBeats > 0)) throw new InvalidInputError(`frame length must be positive, got ${frameBeats}`);
  const tracks = piece.tracks.map((track) => {
    if (track.isDrum) return track;
    const notes: Note[] = [];
    for (const note of track.notes) {
      const end = note.start + note.duration;
      let start = note.start;
      while (end - start > tolerance) {
        const boundary = (Math.floor(start / frameBeats + tolerance) + 1) * frameBeats;
        const cut = Math.min(end, boundary);
        notes.push({ ...note, start, duration: cut - start });
        start = cut;
      }
    }
    return { ...track, notes: notes.sort(compareNotes) };
  });
  return { ...piece, tracks };
}
