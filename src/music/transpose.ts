/**
 * Transposition of token streams without decoding them: every pitch token of a pitched track
 * moves by the same number of semitones, drum keys stay. A uniform shift keeps pitches
 * ascending within a group, so a canonical stream stays canonical. Training uses this to see
 * each piece in several keys (data augmentation).
 */
import { InvalidInputError } from '../util/errors.js';
import type { Vocabulary } from './vocabulary.js';

export interface PitchPositions {
  /** 1 where the token is a pitch of a pitched (non-drum) track, else 0. */
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
    if (kind === 'start' || kind === 'style' || (inHeader && kind === 'meter')) continue;
    inHeader = false;
    if (kind === 'bar' || kind === 'position') track = 0;
    else if (kind === 'track') track = id - trackFirst + 1;
    else if (kind === 'pitch' && drumTracks[track] !== true) {
      shiftable[i] = 1;
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
  for (let i = 0; i < out.length; i++) if (positions.shiftable[i] === 1) out[i] = out[i]! + semitones;
  return out;
}
