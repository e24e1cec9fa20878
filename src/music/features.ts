/**
 * Per-piece musical features for comparing sets of pieces, after Yang & Lerch, "On the
 * evaluation of generative models in music" (Neural Computing and Applications, 2018; the
 * `mgeval` toolbox). Pure: a Piece in, plain numbers out.
 *
 * Every feature is a vector (a scalar is a vector of length 1), so the distance between two
 * pieces' values is always the Euclidean norm of the difference — on a scalar that is the
 * absolute difference (see src/train/mgeval.ts). A feature a piece cannot have (no notes, a
 * single onset) is `undefined` and that piece is left out of that feature's comparison.
 *
 * All features use the pitched (non-drum) notes only, and measure time in quarter notes, not
 * seconds: data sets and generated pieces carry unrelated fixed tempi (JSB 80 BPM, compose
 * 120 BPM), which would otherwise dominate every rhythm feature.
 */
import { barCount, type Note, type Piece, type Track } from './piece.js';

export const FEATURE_NAMES = ['pitch_class_histogram', 'pitch_range', 'notes_per_bar', 'inter_onset_interval', 'note_length', 'melodic_interval'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** One piece's features; `undefined` where the piece has too few notes for it. */
export type PieceFeatures = Record<FeatureName, readonly number[] | undefined>;

/** What each feature is, for reports. */
export const FEATURE_DESCRIPTIONS: Readonly<Record<FeatureName, string>> = {
  pitch_class_histogram: 'share of notes on each of the 12 pitch classes (C … B), a 12-vector summing to 1',
  pitch_range: 'highest minus lowest pitch, semitones',
  notes_per_bar: 'number of notes divided by the number of bars the notes reach into',
  inter_onset_interval: 'mean time between consecutive distinct note onsets, quarter notes',
  note_length:
    'share of notes in each of 12 length classes (whole, half, quarter, 8th, 16th, dotted half, dotted quarter, dotted 8th, dotted 16th, half/quarter/8th triplet), nearest class, a 12-vector summing to 1',
  melodic_interval: "mean absolute interval between consecutive notes of each track's top line (the highest note at each onset), semitones",
};

/**
 * Note-length classes in quarter notes, in mgeval's order: whole, half, quarter, 8th, 16th,
 * dotted half, dotted quarter, dotted 8th, dotted 16th, half triplet, quarter triplet, 8th triplet.
 */
export const NOTE_LENGTH_CLASSES: readonly number[] = [4, 2, 1, 0.5, 0.25, 3, 1.5, 0.75, 0.375, 4 / 3, 2 / 3, 1 / 3];

function pitchedTracks(piece: Piece): Track[] {
  return piece.tracks.filter((t) => !t.isDrum && t.notes.length > 0);
}

function pitchedNotes(piece: Piece): Note[] {
  return pitchedTracks(piece).flatMap((t) => t.notes);
}

/**
 * Notes per pitch class (C = 0), divided by the number of notes.
 *
 *     pitchClassHistogram(cMajorTriad)  // [1/3, 0, 0, 0, 1/3, 0, 0, 1/3, 0, 0, 0, 0]
 */
export function pitchClassHistogram(piece: Piece): number[] | undefined {
  const notes = pitchedNotes(piece);
  if (notes.length === 0) return undefined;
  const histogram = new Array<number>(12).fill(0);
  for (const note of notes) histogram[note.pitch % 12] = (histogram[note.pitch % 12] ?? 0) + 1;
  return histogram.map((count) => count / notes.length);
}

/** Highest minus lowest pitch in semitones. */
export function pitchRangeSemitones(piece: Piece): number | undefined {
  const notes = pitchedNotes(piece);
  if (notes.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const note of notes) {
    min = Math.min(min, note.pitch);
    max = Math.max(max, note.pitch);
  }
  return max - min;
}

/** Notes divided by the bars the piece's notes reach into (the piece's own metre map). */
export function notesPerBar(piece: Piece): number | undefined {
  const notes = pitchedNotes(piece);
  if (notes.length === 0) return undefined;
  const pitchedOnly: Piece = { ...piece, tracks: pitchedTracks(piece) };
  return notes.length / Math.max(1, barCount(pitchedOnly));
}

/** Onsets closer than this (quarter notes) are one onset: a chord, not an interval. */
const SAME_ONSET = 1e-6;

/** Mean gap between consecutive distinct onsets (all pitched tracks together), in quarter notes. */
export function meanInterOnsetInterval(piece: Piece): number | undefined {
  const onsets = pitchedNotes(piece)
    .map((n) => n.start)
    .sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const onset of onsets) {
    const last = distinct[distinct.length - 1];
    if (last === undefined || onset - last > SAME_ONSET) distinct.push(onset);
  }
  if (distinct.length < 2) return undefined;
  return ((distinct[distinct.length - 1] as number) - (distinct[0] as number)) / (distinct.length - 1);
}

/** Index of the length class nearest to `duration` (ties: the earlier class). */
export function noteLengthClass(duration: number): number {
  let best = 0;
  for (let i = 1; i < NOTE_LENGTH_CLASSES.length; i++) {
    if (Math.abs(duration - (NOTE_LENGTH_CLASSES[i] as number)) < Math.abs(duration - (NOTE_LENGTH_CLASSES[best] as number))) best = i;
  }
  return best;
}

/** Share of notes per length class (NOTE_LENGTH_CLASSES). */
export function noteLengthHistogram(piece: Piece): number[] | undefined {
  const notes = pitchedNotes(piece);
  if (notes.length === 0) return undefined;
  const histogram = new Array<number>(NOTE_LENGTH_CLASSES.length).fill(0);
  for (const note of notes) {
    const index = noteLengthClass(note.duration);
    histogram[index] = (histogram[index] ?? 0) + 1;
  }
  return histogram.map((count) => count / notes.length);
}

/** A track's top line: the highest pitch at each distinct onset, in time order. */
export function topLine(track: Pick<Track, 'notes'>): number[] {
  const sorted = [...track.notes].sort((a, b) => a.start - b.start || b.pitch - a.pitch);
  const line: number[] = [];
  let lastOnset = -Infinity;
  for (const note of sorted) {
    if (note.start - lastOnset > SAME_ONSET) {
      line.push(note.pitch);
      lastOnset = note.start;
    }
  }
  return line;
}

/** Mean absolute step between consecutive top-line notes, over all pitched tracks' steps. */
export function meanMelodicInterval(piece: Piece): number | undefined {
  let sum = 0;
  let steps = 0;
  for (const track of pitchedTracks(piece)) {
    const line = topLine(track);
    for (let i = 1; i < line.length; i++) {
      sum += Math.abs((line[i] as number) - (line[i - 1] as number));
      steps += 1;
    }
  }
  return steps === 0 ? undefined : sum / steps;
}

const scalar = (value: number | undefined): number[] | undefined => (value === undefined ? undefined : [value]);

/** All six features of one piece. */
export function pieceFeatures(piece: Piece): PieceFeatures {
  return {
    pitch_class_histogram: pitchClassHistogram(piece),
    pitch_range: scalar(pitchRangeSemitones(piece)),
    notes_per_bar: scalar(notesPerBar(piece)),
    inter_onset_interval: scalar(meanInterOnsetInterval(piece)),
    note_length: noteLengthHistogram(piece),
    melodic_interval: scalar(meanMelodicInterval(piece)),
  };
}
