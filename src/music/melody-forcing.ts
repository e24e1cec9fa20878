/**
 * Harmonizing under the token grammar: a sampling mask that writes a given melody into track 0
 * exactly (its tokens are forced, one allowed id at a time) while the model samples the other
 * tracks around it — the way BachBot harmonized chorales by fixing the soprano. docs/harmonize.md
 * explains the rules; in short, at each step of the stream:
 *
 * - the melody's next note starts at the current step (the step's first group, track 0): its
 *   `vel?` `pitch` `dur+` tokens are forced;
 * - otherwise the accompaniment is sampled with the grammar's mask, narrowed so that it never
 *   writes into track 0, never lengthens a melody note, never advances time past the melody's
 *   next onset (it must land on it), and never ends the stream before the melody is complete.
 *
 * It fits the sampler's `TokenMask` (allowed / weights / push / bar / time / isComplete).
 */
import { InvalidInputError } from '../util/errors.js';
import { onlyTokenMask, type TokenStreamState } from './token-stream.js';
import { DEFAULT_VELOCITY } from './piece.js';
import { velocityBin } from './vocabulary.js';

/** A melody note on the stream's grid. */
export interface MelodyNote {
  readonly pitch: number;
  readonly startStep: number;
  readonly durationSteps: number;
  readonly velocity: number;
}

export class MelodyForcingMask {
  private readonly melody: readonly MelodyNote[];
  /** Index of the melody note to write next. */
  private next = 0;
  /** Steps of the current melody note's duration still to write (0: not inside a melody note). */
  private durationLeft = 0;
  /** The last token closed a melody note's duration: no further `dur` may lengthen it. */
  private melodyNoteClosed = false;
  private melodyVelocityBin: number;

  /**
   * @param state the grammar (with the accompaniment's sampling constraints); the prefix is pushed
   *   through this mask, not into the state directly.
   * @param melody the melody's notes in grid steps (any order); written as track 0.
   * @param trackCount tracks the header declares (the melody's and at least one accompaniment).
   */
  constructor(
    readonly state: TokenStreamState,
    melody: readonly MelodyNote[],
    private readonly trackCount: number,
  ) {
    if (trackCount < 2) throw new InvalidInputError('harmonizing needs at least two tracks: the melody and an accompaniment');
    this.melody = [...melody].sort((a, b) => a.startStep - b.startStep || a.pitch - b.pitch);
    this.melodyVelocityBin = velocityBin(DEFAULT_VELOCITY, state.vocabulary.spec.velocityBins);
  }

  get bar(): number {
    return this.state.bar;
  }
  get time(): number {
    return this.state.time;
  }
  get isComplete(): boolean {
    return this.state.isComplete;
  }
  /** Melody notes written so far. */
  get melodyNotesWritten(): number {
    return this.next;
  }
  /** The whole melody is in the stream. */
  get melodyComplete(): boolean {
    return this.next >= this.melody.length && this.durationLeft === 0;
  }

  /** The body has started (the header declared every track): the melody rules apply. */
  private inBody(): boolean {
    const phase = this.state.phase;
    return (phase === 'instruments' || phase === 'body') && this.state.tracks.length >= this.trackCount;
  }

  /** The one id the melody dictates next, or undefined when the accompaniment is sampled. */
  private forced(): number | undefined {
    if (!this.inBody()) return undefined;
    const vocabulary = this.state.vocabulary;
    if (this.durationLeft > 0) {
      const max = vocabulary.spec.maxDurationSteps;
      return vocabulary.first('duration') + Math.min(this.durationLeft, max) - 1;
    }
    const note = this.melody[this.next];
    if (note === undefined || note.startStep !== this.state.step) return undefined;
    const bin = velocityBin(note.velocity, vocabulary.spec.velocityBins);
    if (bin !== this.melodyVelocityBin) return vocabulary.first('velocity') + bin;
    return vocabulary.first('pitch') + note.pitch;
  }

  weights(): Float32Array | undefined {
    return this.forced() === undefined ? this.state.weights() : undefined;
  }

  allowed(): Uint8Array {
    const forced = this.forced();
    const vocabulary = this.state.vocabulary;
    if (forced !== undefined) return onlyTokenMask(vocabulary.size, forced);
    const mask = this.state.allowed();
    if (!this.inBody()) return mask;
    const state = this.state;
    const nextOnset = this.melody[this.next]?.startStep ?? Number.POSITIVE_INFINITY;
    const barStart = state.step - state.positionInBar;
    for (let id = 0; id < mask.length; id++) {
      if (mask[id] === 0) continue;
      switch (vocabulary.kind(id)) {
        case 'pitch':
        case 'velocity':
          // Track 0 is the melody's: the accompaniment first moves on with `track:i`.
          if (state.track === 0) mask[id] = 0;
          break;
        case 'duration':
          if (this.melodyNoteClosed) mask[id] = 0;
          break;
        case 'bar':
          if (barStart + state.stepsPerBar > nextOnset) mask[id] = 0;
          break;
        case 'position':
          if (barStart + vocabulary.offset(id) + 1 > nextOnset) mask[id] = 0;
          break;
        case 'meter':
          // A meter change would re-bar the melody: its bars are the header meter's.
          mask[id] = 0;
          break;
        case 'end':
          if (!this.melodyComplete) mask[id] = 0;
          break;
        default:
          break;
      }
    }
    return mask;
  }

  push(id: number): void {
    const forced = this.forced();
    if (forced !== undefined && id !== forced) {
      throw new InvalidInputError(`token "${this.state.vocabulary.name(id)}" breaks the melody: "${this.state.vocabulary.name(forced)}" must come next`);
    }
    this.state.push(id);
    this.melodyNoteClosed = false;
    if (forced === undefined) return;
    const vocabulary = this.state.vocabulary;
    switch (vocabulary.kind(id)) {
      case 'velocity':
        this.melodyVelocityBin = vocabulary.offset(id);
        break;
      case 'pitch':
        this.durationLeft = this.melody[this.next]!.durationSteps;
        break;
      case 'duration':
        this.durationLeft -= vocabulary.offset(id) + 1;
        if (this.durationLeft === 0) {
          this.next++;
          this.melodyNoteClosed = true;
        }
        break;
      default:
        break;
    }
  }
}
