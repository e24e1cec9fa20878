/**
 * The music core's central value: a piece of music as plain data, in the spirit of
 * Magenta's NoteSequence. Pure — no I/O, no imports from the rest of Rhythmix.
 *
 * Time is measured in quarter notes ("beats") from the start of the piece, so a piece
 * keeps its rhythm when its tempo changes. Seconds come from the tempo map
 * (`beatsToSeconds`). A quantised piece (see quantize.ts) has every start and duration
 * on an integer number of grid steps.
 */

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

export interface Piece {
  readonly tracks: readonly Track[];
  /** Sorted by time; the first entry is at time 0. */
  readonly tempos: readonly TempoChange[];
  /** Sorted by time; the first entry is at time 0. */
  readonly timeSignatures: readonly TimeSignature[];
  /** Optional provenance, e.g. a file name or a data-set id. */
  readonly title?: string;
}

export const DEFAULT_BPM = 120;
export const DEFAULT_TIME_SIGNATURE: TimeSignature = { time: 0, numerator: 4, denominator: 4 };

/** Compare notes by onset, then pitch: the canonical order inside a track. */
export function compareNotes(a: Note, b: Note): number {
  return a.start - b.start || a.pitch - b.pitch || a.duration - b.duration;
}

/** A piece with the default tempo and metre and the given tracks (notes sorted). */
export function createPiece(
  tracks: readonly Track[],
  options: { bpm?: number; timeSignature?: Omit<TimeSignature, 'time'>; title?: string } = {},
): Piece {
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
