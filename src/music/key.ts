/**
 * Keys and scales: Krumhansl–Schmuckler key estimation, parsing of key names typed by
 * people (`--key "C major"`), and the pitch classes a key allows (the sampler's key
 * constraint, see token-stream.ts `SamplingConstraints.pitchClasses`).
 *
 *     estimateKey(piece)?.name        // => 'D minor'
 *     parseKey('F#m').name            // => 'F# minor'
 *     keyPitchClasses(parseKey('C'))  // => [0, 2, 4, 5, 7, 9, 11]
 */
import { InvalidInputError } from '../util/errors.js';
import type { KeySignature, Piece } from './piece.js';
import { quoteInput } from '../util/text.js';

/** Scales by name: semitones above the tonic. */
export const SCALES = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  'harmonic minor': [0, 2, 3, 5, 7, 8, 11],
  'melodic minor': [0, 2, 3, 5, 7, 9, 11],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
  lydian: [0, 2, 4, 6, 7, 9, 11],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  locrian: [0, 1, 3, 5, 6, 8, 10],
  'major pentatonic': [0, 2, 4, 7, 9],
  'minor pentatonic': [0, 3, 5, 7, 10],
  blues: [0, 3, 5, 6, 7, 10],
  chromatic: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
} as const satisfies Record<string, readonly number[]>;

export type ScaleName = keyof typeof SCALES;

export interface Key {
  /** Tonic spelled as usual for the key: 'C', 'F#', 'Bb'. */
  readonly tonic: string;
  /** 0 = C … 11 = B. */
  readonly tonicPitchClass: number;
  readonly mode: ScaleName;
  /** E.g. 'D minor'. */
  readonly name: string;
}

export interface KeyEstimate extends Key {
  readonly mode: 'major' | 'minor';
  /** Correlation of the piece's pitch-class profile with the winning key's, clamped to 0..1. */
  readonly confidence: number;
  /** Correlation of the winner minus that of the runner-up (0 = a tie). */
  readonly margin: number;
}

/** Krumhansl & Kessler (1982) probe-tone profiles, tonic first. */
export const KRUMHANSL_KESSLER = {
  major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
  minor: [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
} as const;

const SHARP_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
/** Usual spelling of each tonic: fewest accidentals in the key signature. */
const MAJOR_TONICS = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const MINOR_TONICS = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'];

/**
 * The name of a pitch class with sharps: `pitchClassName(10) // => 'A#'`.
 */
export function pitchClassName(pitchClass: number): string {
  return SHARP_NAMES[((pitchClass % 12) + 12) % 12] as string;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const meanA = a.reduce((s, x) => s + x, 0) / n;
  const meanB = b.reduce((s, x) => s + x, 0) / n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  return varA === 0 || varB === 0 ? 0 : cov / Math.sqrt(varA * varB);
}

/** Total sounding time (beats) of each pitch class over the pitched tracks. */
export function pitchClassHistogram(piece: Piece): number[] {
  const histogram = new Array<number>(12).fill(0);
  for (const track of piece.tracks) {
    if (track.isDrum) continue;
    for (const note of track.notes) histogram[note.pitch % 12] = (histogram[note.pitch % 12] ?? 0) + note.duration;
  }
  return histogram;
}

function makeKey(tonicPitchClass: number, mode: ScaleName, spelling?: string): Key {
  const pc = ((tonicPitchClass % 12) + 12) % 12;
  const names = mode === 'major' ? MAJOR_TONICS : mode === 'minor' ? MINOR_TONICS : SHARP_NAMES;
  const tonic = spelling ?? names[pc]!;
  return { tonic, tonicPitchClass: pc, mode, name: `${tonic} ${mode}` };
}

/**
 * The major or minor key whose Krumhansl–Kessler profile correlates best with a
 * 12-bin pitch-class histogram; undefined when the histogram is flat (no notes, or all
 * twelve equally).
 *
 *     estimateKeyFromHistogram([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1])?.name  // => 'C major'
 */
export function estimateKeyFromHistogram(histogram: readonly number[]): KeyEstimate | undefined {
  if (histogram.length !== 12) throw new InvalidInputError(`a pitch-class histogram has 12 bins, got ${histogram.length}`);
  const scores: Array<{ pc: number; mode: 'major' | 'minor'; r: number }> = [];
  for (const mode of ['major', 'minor'] as const) {
    const profile = KRUMHANSL_KESSLER[mode];
    for (let pc = 0; pc < 12; pc++) {
      const rotated = Array.from({ length: 12 }, (_, i) => profile[(i - pc + 12) % 12] as number);
      scores.push({ pc, mode, r: correlation(histogram, rotated) });
    }
  }
  scores.sort((a, b) => b.r - a.r);
  const [best, second] = scores;
  if (best === undefined || second === undefined || best.r === 0) return undefined;
  return {
    ...makeKey(best.pc, best.mode),
    mode: best.mode,
    confidence: Math.max(0, Math.min(1, best.r)),
    margin: best.r - second.r,
  };
}

/**
 * Krumhansl–Schmuckler key estimate of a piece: pitch classes weighted by how long they
 * sound, drums ignored. Undefined for a piece without pitched notes.
 *
 *     estimateKey(dMinorChorale)  // => { tonic: 'D', mode: 'minor', name: 'D minor', confidence: 0.87, … }
 */
export function estimateKey(piece: Piece): KeyEstimate | undefined {
  return estimateKeyFromHistogram(pitchClassHistogram(piece));
}

const MODE_ALIASES: Record<string, ScaleName> = {
  '': 'major',
  maj: 'major',
  major: 'major',
  ionian: 'major',
  m: 'minor',
  min: 'minor',
  minor: 'minor',
  aeolian: 'minor',
  'harmonic minor': 'harmonic minor',
  'harmonic-minor': 'harmonic minor',
  'melodic minor': 'melodic minor',
  'melodic-minor': 'melodic minor',
  dorian: 'dorian',
  phrygian: 'phrygian',
  lydian: 'lydian',
  mixolydian: 'mixolydian',
  locrian: 'locrian',
  pentatonic: 'major pentatonic',
  'major pentatonic': 'major pentatonic',
  'major-pentatonic': 'major pentatonic',
  'minor pentatonic': 'minor pentatonic',
  'minor-pentatonic': 'minor pentatonic',
  blues: 'blues',
  chromatic: 'chromatic',
};

const LETTER_PITCH_CLASS: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

/**
 * A key typed by a person: a tonic A–G with an optional `#`/`b` (or ♯/♭), then a mode or
 * scale name (major when absent). The tonic keeps the spelling typed. Throws
 * `InvalidInputError` naming the text and what was expected.
 *
 *     parseKey('C major').name        // => 'C major'
 *     parseKey('f#m').name            // => 'F# minor'
 *     parseKey('Bb dorian').name      // => 'Bb dorian'
 *     parseKey('d minor pentatonic').mode  // => 'minor pentatonic'
 */
export function parseKey(text: string): Key {
  const match = /^\s*([A-Ga-g])([#♯b♭]?)\s*(.*?)\s*$/u.exec(text);
  const mode = match === null ? undefined : MODE_ALIASES[(match[3] ?? '').toLowerCase().replace(/\s+/g, ' ')];
  if (match === null || mode === undefined) {
    throw new InvalidInputError(
      `unknown key ${quoteInput(text)}: expected a tonic A-G with an optional # or b, then a mode (${Object.keys(SCALES).join(', ')}), e.g. "C major" or "F#m"`,
    );
  }
  const letter = (match[1] ?? 'C').toUpperCase();
  const accidental = match[2] === '#' || match[2] === '♯' ? 1 : match[2] === '' ? 0 : -1;
  const spelling = letter + (accidental === 1 ? '#' : accidental === -1 ? 'b' : '');
  return makeKey((LETTER_PITCH_CLASS[letter.toLowerCase()] ?? 0) + accidental, mode, spelling);
}

/**
 * Pitch classes of a scale on a tonic, ascending from the tonic.
 *
 *     scalePitchClasses(2, 'dorian')  // => [2, 4, 5, 7, 9, 11, 0]
 */
export function scalePitchClasses(tonicPitchClass: number, scale: ScaleName): number[] {
  return SCALES[scale].map((step) => (((tonicPitchClass + step) % 12) + 12) % 12);
}

/**
 * Pitch classes a key constraint allows. A minor key also allows its raised 6th and 7th
 * degrees, as harmonic and melodic minor use them (a chorale in A minor needs its G#);
 * other modes allow exactly their scale.
 *
 *     keyPitchClasses(parseKey('A minor'))  // => [9, 11, 0, 2, 4, 5, 7, 6, 8]
 */
export function keyPitchClasses(key: Pick<Key, 'tonicPitchClass' | 'mode'>): number[] {
  const classes = scalePitchClasses(key.tonicPitchClass, key.mode);
  if (key.mode === 'minor') {
    for (const raised of [9, 11]) classes.push((key.tonicPitchClass + raised) % 12);
  }
  return classes;
}

/**
 * The key a MIDI key signature names: `sharps` is the signed count of sharps (flats < 0),
 * `minor` the mode flag. `keyFromMidiSignature(1, false) // => G major`, `(-1, true) // => D minor`.
 */
export function keyFromMidiSignature(sharps: number, minor: boolean): KeySignature {
  const major = (((sharps * 7) % 12) + 12) % 12;
  return minor ? { tonicPitchClass: (major + 9) % 12, mode: 'minor' } : { tonicPitchClass: major, mode: 'major' };
}

/** The MIDI key signature of a key: signed sharps (−6 … 6; F# major is written with 6 sharps) and the mode flag. */
export function midiSignatureOfKey(key: KeySignature): { sharps: number; minor: boolean } {
  const sharps = (relativeMajorTonic(key) * 7) % 12; // pitch class → position on the circle of fifths
  return { sharps: sharps > 6 ? sharps - 12 : sharps, minor: key.mode === 'minor' };
}

/** `keySignatureName({ tonicPitchClass: 2, mode: 'minor' }) // => 'D minor'` */
export function keySignatureName(key: KeySignature): string {
  return makeKey(key.tonicPitchClass, key.mode).name;
}

/**
 * The key a piece is conditioned on in training data: its declared key signature, else the
 * Krumhansl–Schmuckler estimate. A declared C major that the notes contradict is taken for the
 * default many sequencers write and replaced by the estimate. Undefined without pitched notes.
 */
export function pieceKey(piece: Piece): KeySignature | undefined {
  const estimate = estimateKey(piece);
  const declared = piece.key;
  if (declared === undefined) return estimate && { tonicPitchClass: estimate.tonicPitchClass, mode: estimate.mode };
  const defaultSignature = declared.tonicPitchClass === 0 && declared.mode === 'major';
  const agrees = estimate === undefined || sameScale(declared, estimate);
  if (!defaultSignature || agrees) return declared;
  return { tonicPitchClass: estimate.tonicPitchClass, mode: estimate.mode };
}

/** The tonic of the major key with the same signature: the key itself, or a minor key's relative major. */
function relativeMajorTonic(key: KeySignature): number {
  return key.mode === 'minor' ? (key.tonicPitchClass + 3) % 12 : key.tonicPitchClass;
}

/** A key and its relative major/minor share one scale (one signature). */
function sameScale(a: KeySignature, b: KeySignature): boolean {
  return relativeMajorTonic(a) === relativeMajorTonic(b);
}

/**
 * Pitch classes of a key's tonic chord: root, third and fifth (the cadence a form closes on,
 * docs/form.md). `tonicTriad({ tonicPitchClass: 9, mode: 'minor' }) // => [9, 0, 4]`
 */
export function tonicTriad(key: KeySignature): number[] {
  const third = key.mode === 'minor' ? 3 : 4;
  return [key.tonicPitchClass, (key.tonicPitchClass + third) % 12, (key.tonicPitchClass + 7) % 12];
}
