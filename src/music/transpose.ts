/**
 * Transposition of token streams without decoding them: every pitch token of a pitched track
 * moves by the same number of semitones, drum keys stay, and the header's key token turns
 * round the circle of keys with them. A uniform shift keeps pitches ascending within a group,
 * so a canonical stream stays canonical. Training uses this to see each piece in several keys
 * (data augmentation).
 */
import { InvalidInputError } from '../util/errors.js';
import type { Vocabulary } from './vocabulary.js';

/** What a transposition does to a token, by position (`PitchPositions.shiftable`). */
export const SHIFT = { none: 0, pitch: 1, key: 2 } as const;

export interface PitchPositions {
  /** SHIFT.pitch where the token is a pitch of a pitched (non-drum) track, SHIFT.key at the key token, else 0. */
  readonly shiftable: Uint8Array;
  /** Lowest and highest shiftable pitch; undefined when there is none. */
  readonly lowest: number | undefined;
  readonly highest: number | undefined;
}

/**
 * Finds the pitch tokens a transposition moves. Tracks are declared in the header (one
 * `program:*` or `drums` token each); in the body each step starts in track 0 and `track:i`
 * moves to track i (see docs/tokens.md).
 */
export function pitchPositions(tokens: ArrayLike<number>, vocabulary: Vocabulary): PitchPositions {
  const shiftable = new Uint8Array(tokens.length);
  const pitchFirst = vocabulary.first('pitch');
  const trackFirst = vocabulary.first('track');
  const drumTracks: boolean[] = [];
  let inHeader = true;
  let track = 0;
  let lowest: number | undefined;
  let highest: number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i]!;
    const kind = vocabulary.kind(id);
    if (inHeader && (kind === 'program' || kind === 'drums')) {
      drumTracks.push(kind === 'drums');
      continue;
    }
    if (kind === 'key') {
      shiftable[i] = SHIFT.key;
      continue;
    }
    if (kind === 'start' || kind === 'style' || (inHeader && kind === 'meter')) continue;
    inHeader = false;
    if (kind === 'bar' || kind === 'position') track = 0;
    else if (kind === 'track') track = id - trackFirst + 1;
    else if (kind === 'pitch' && drumTracks[track] !== true) {
      shiftable[i] = SHIFT.pitch;
      const pitch = id - pitchFirst;
      if (lowest === undefined || pitch < lowest) lowest = pitch;
      if (highest === undefined || pitch > highest) highest = pitch;
    }
  }
  return { shiftable, lowest, highest };
}

/** The shifts in [-maxSemitones, maxSemitones] that keep every pitch inside the vocabulary. */
export function transpositionRange(positions: PitchPositions, maxSemitones: number, vocabulary: Vocabulary): { min: number; max: number } {
  if (positions.lowest === undefined || positions.highest === undefined) return { min: 0, max: 0 };
  const top = vocabulary.count('pitch') - 1;
  return { min: Math.max(-maxSemitones, -positions.lowest), max: Math.min(maxSemitones, top - positions.highest) };
}

/** A copy of the stream with every pitched note moved by `semitones`. */
export function transposeTokens(tokens: ArrayLike<number>, semitones: number, vocabulary: Vocabulary): Int32Array {
  if (!Number.isInteger(semitones)) throw new InvalidInputError(`a transposition must be a whole number of semitones, got ${semitones}`);
  const positions = pitchPositions(tokens, vocabulary);
  const range = transpositionRange(positions, Math.abs(semitones), vocabulary);
  if (semitones < range.min || semitones > range.max) {
    throw new InvalidInputError(`transposing by ${semitones} semitones leaves the MIDI pitch range (notes span ${positions.lowest}..${positions.highest})`);
  }
  const out = Int32Array.from(tokens);
  const keyFirst = vocabulary.hasKeys ? vocabulary.first('key') : -1;
  for (let i = 0; i < out.length; i++) out[i] = shiftToken(out[i]!, positions.shiftable[i]!, semitones, keyFirst);
  return out;
}

/**
 * A token moved by `semitones` as its SHIFT flag says: pitch ids are consecutive, so a pitch
 * shift is an add; a key token keeps its mode and moves its tonic round the 12 pitch classes.
 */
export function shiftToken(id: number, flag: number, semitones: number, keyFirst: number): number {
  if (semitones === 0 || flag === SHIFT.none) return id;
  if (flag === SHIFT.pitch) return id + semitones;
  const offset = id - keyFirst;
  const mode = offset >= 12 ? 12 : 0;
  return keyFirst + mode + ((((offset - mode + semitones) % 12) + 12) % 12);
}
