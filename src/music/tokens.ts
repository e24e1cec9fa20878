/**
 * Piece ⇄ token ids: the model's language (grammar in token-stream.ts, rationale and
 * examples in docs/tokens.md).
 *
 *     const ids = encodePiece(quantised, { style: 'folk', stepsPerQuarter: 4 })
 *     DEFAULT_VOCABULARY.describe(ids)
 *     // => ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'pitch:60', 'dur:4', 'pos:4', 'pitch:64', 'dur:4', '<end>']
 *     decodeTokens(ids, { stepsPerQuarter: 4 })  // => the same piece
 *
 * The mapping is a bijection between canonical streams and canonical quantised pieces:
 * `decodeTokens(encodePiece(p))` equals `p` when p's velocities are bin values, its time
 * signatures have tokens and change only before its last note ends, its tracks are named
 * `Track 1`, `Track 2`, … (drum tracks with program 0) and its tempo is one `bpm`; and
 * `encodePiece(decodeTokens(t))` equals `t` for every stream the grammar accepts.
 * `canonicalPiece` gives the canonical form of any quantised piece.
 */
import { InvalidInputError } from '../util/errors.js';
import {
  DEFAULT_BPM,
  DEFAULT_VELOCITY,
  type KeySignature,
  type Note,
  type Piece,
  type TimeSignature,
  type Track,
  assertValidPiece,
  compareNotes,
  pieceLengthBeats,
} from './piece.js';
import { assertQuantized, DEFAULT_STEPS_PER_QUARTER } from './quantize.js';
import { TokenGrammarError, TokenStreamState } from './token-stream.js';
import { DEFAULT_VOCABULARY, type Meter, type Vocabulary, binVelocity, meterName, meterSteps, tokenMeter, velocityBin } from './vocabulary.js';

export {
  TokenGrammarError,
  TokenStreamState,
  allowedNextTokens,
  type SamplingConstraints,
  type StreamNote,
  type StreamPhase,
  type StreamTrack,
  type TokenStreamOptions,
} from './token-stream.js';

export interface EncodeOptions {
  /** A `Style`, or another name in the vocabulary's style list (an unknown one is refused). */
  readonly style: string;
  /**
   * The key written in the header (vocabularies with key tokens only); default the piece's
   * declared `key`. Without either the header names no key.
   */
  readonly key?: KeySignature;
  /** Grid the piece is quantised to; default 4. */
  readonly stepsPerQuarter?: number;
  readonly vocabulary?: Vocabulary;
}

export interface DecodeOptions {
  readonly stepsPerQuarter?: number;
  readonly vocabulary?: Vocabulary;
  /**
   * 'strict' (default): throw `TokenGrammarError` at the first token the grammar forbids
   * or when `<end>` is missing. 'repair': skip every forbidden token and stop at `<end>`
   * or the end of the array, dropping a final pitch that has no duration — for streams
   * cut off by a length limit or sampled without the grammar mask.
   */
  readonly mode?: 'strict' | 'repair';
  /** Tempo of the decoded piece; default 120. */
  readonly bpm?: number;
  readonly title?: string;
}

/** Name of decoded track `index` (0-based). */
export const trackName = (index: number): string => `Track ${index + 1}`;

interface StepNote {
  readonly track: number;
  readonly pitch: number;
  readonly duration: number;
  readonly velocityBin: number;
}

function toSteps(beats: number, stepsPerQuarter: number): number {
  return Math.round(beats * stepsPerQuarter);
}

/** Token-visible time signatures in steps: meters mapped to tokens, same step → last, repeats and trailing ones dropped. */
function canonicalMeters(piece: Piece, stepsPerQuarter: number, vocabulary: Vocabulary): Array<{ step: number; meter: Meter }> {
  const endStep = toSteps(pieceLengthBeats(piece), stepsPerQuarter);
  const result: Array<{ step: number; meter: Meter }> = [];
  for (const ts of piece.timeSignatures) {
    const step = toSteps(ts.time, stepsPerQuarter);
    if (step > 0 && step >= endStep) break;
    const meter = tokenMeter(ts, stepsPerQuarter, vocabulary);
    const previous = result[result.length - 1];
    if (previous !== undefined && previous.step === step) result.pop();
    const before = result[result.length - 1];
    if (before === undefined || meterName(before.meter) !== meterName(meter)) result.push({ step, meter });
  }
  return result;
}

/** Duration tokens for `steps`: dur:max repeated, then the remainder 1..max. */
export function durationTokens(steps: number, vocabulary: Vocabulary = DEFAULT_VOCABULARY): number[] {
  const max = vocabulary.spec.maxDurationSteps;
  const repeats = Math.ceil(steps / max) - 1;
  return [...Array<number>(repeats).fill(vocabulary.durationId(max)), vocabulary.durationId(steps - repeats * max)];
}

function checkEncodable(piece: Piece, stepsPerQuarter: number, vocabulary: Vocabulary): void {
  assertValidPiece(piece);
  assertQuantized(piece, stepsPerQuarter);
  if (piece.tracks.length > vocabulary.spec.maxTracks) {
    throw new InvalidInputError(
      `piece has ${piece.tracks.length} tracks, the token language holds at most ${vocabulary.spec.maxTracks} (merge tracks first, e.g. mergeTracksByInstrument)`,
    );
  }
  piece.tracks.forEach((track, t) => {
    const lastEnd = new Map<number, number>();
    for (const note of [...track.notes].sort(compareNotes)) {
      const start = toSteps(note.start, stepsPerQuarter);
      const previousEnd = lastEnd.get(note.pitch);
      if (previousEnd !== undefined && previousEnd > start) {
        throw new InvalidInputError(
          `track ${t} has overlapping notes of pitch ${note.pitch} at beat ${note.start} (run quantizePiece first, it resolves them)`,
        );
      }
      lastEnd.set(note.pitch, start + toSteps(note.duration, stepsPerQuarter));
    }
  });
}

/**
 * The token ids of a quantised piece, in canonical order: `<start>`, the style, the meter,
 * one instrument per track, the body, `<end>`. Throws `InvalidInputError` for a piece that
 * is not quantised to `stepsPerQuarter`, has more tracks than the vocabulary holds, or has
 * overlapping same-pitch notes in a track. Velocities are rounded to their bins; a time
 * signature without a token is written as `tokenMeter` maps it (notes keep their times).
 */
export function encodePiece(piece: Piece, options: EncodeOptions): number[] {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const spq = options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  checkEncodable(piece, spq, vocabulary);
  const bins = vocabulary.spec.velocityBins;
  const multiTrack = piece.tracks.length > 1;

  const notesByStep = new Map<number, StepNote[]>();
  piece.tracks.forEach((track, t) => {
    for (const note of track.notes) {
      const step = toSteps(note.start, spq);
      const list = notesByStep.get(step) ?? [];
      list.push({ track: t, pitch: note.pitch, duration: toSteps(note.duration, spq), velocityBin: velocityBin(note.velocity, bins) });
      notesByStep.set(step, list);
    }
  });
  const meters = canonicalMeters(piece, spq, vocabulary);
  const meterByStep = new Map(meters.slice(1).map((m) => [m.step, m.meter]));
  const steps = [...new Set([...notesByStep.keys(), ...meterByStep.keys()])].sort((a, b) => a - b);

  const header = meters[0]?.meter ?? tokenMeter({ numerator: 4, denominator: 4 }, spq, vocabulary);
  const key = vocabulary.hasKeys ? (options.key ?? piece.key) : undefined;
  const ids: number[] = [vocabulary.startId, vocabulary.styleId(options.style), ...(key ? [vocabulary.keyId(key)] : []), vocabulary.meterId(header) as number];
  for (const track of piece.tracks) ids.push(track.isDrum ? vocabulary.drumsId : vocabulary.programId(track.program));

  let barSteps = meterSteps(header, spq);
  let barStart = 0;
  let currentTrack = 0;
  const velocities = piece.tracks.map(() => velocityBin(DEFAULT_VELOCITY, bins));
  for (const step of steps) {
    while (step >= barStart + barSteps) {
      ids.push(vocabulary.barId);
      barStart += barSteps;
    }
    if (step > barStart) ids.push(vocabulary.positionId(step - barStart));
    const meter = meterByStep.get(step);
    if (meter !== undefined) {
      ids.push(vocabulary.meterId(meter) as number);
      barStart = step;
      barSteps = meterSteps(meter, spq);
    }
    currentTrack = 0;
    const notes = (notesByStep.get(step) ?? []).sort((a, b) => a.track - b.track || a.pitch - b.pitch);
    for (const note of notes) {
      if (multiTrack && note.track !== currentTrack) {
        ids.push(vocabulary.trackId(note.track));
        currentTrack = note.track;
      }
      if (velocities[note.track] !== note.velocityBin) {
        ids.push(vocabulary.velocityId(note.velocityBin));
        velocities[note.track] = note.velocityBin;
      }
      ids.push(vocabulary.pitchId(note.pitch), ...durationTokens(note.duration, vocabulary));
    }
  }
  ids.push(vocabulary.endId);
  return ids;
}

export interface PrefixOptions extends EncodeOptions {
  /**
   * Where the continuation should start, in beats (e.g. a seed's length): when it is after
   * the last onset, advance tokens to it are appended — only `bar` tokens when it is on a
   * bar line (the model may still move on within the bar), else `bar`s and `pos:k`, which
   * makes the next token an event at exactly that time.
   */
  readonly continueAt?: number;
}

/**
 * The tokens of a piece as a primer for a model to continue: `encodePiece` without the
 * final `<end>`, optionally advanced to `continueAt`. Push it through a `TokenStreamState`
 * before sampling.
 *
 *     encodePrefix(parseSeed('C4q E4q'), { style: 'folk', continueAt: 4 })
 *     // => ids of <start> style:folk meter:4/4 program:0 pitch:60 dur:4 pos:4 pitch:64 dur:4 bar
 */
export function encodePrefix(piece: Piece, options: PrefixOptions): number[] {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const spq = options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  const ids = encodePiece(piece, options);
  ids.pop();
  if (options.continueAt === undefined) return ids;
  const target = toSteps(options.continueAt, spq);
  if (Math.abs(target - options.continueAt * spq) > 1e-6) {
    throw new InvalidInputError(`cannot continue at beat ${options.continueAt}: it is not on the grid of ${spq} steps per quarter`);
  }
  const state = new TokenStreamState({ stepsPerQuarter: spq, vocabulary });
  for (const id of ids) state.push(id);
  if (target <= state.step) return ids;
  if (state.tracks.length === 0) return ids;
  let barStart = state.step - state.positionInBar;
  while (target >= barStart + state.stepsPerBar) {
    ids.push(vocabulary.barId);
    barStart += state.stepsPerBar;
  }
  if (target > barStart) ids.push(vocabulary.positionId(target - barStart));
  return ids;
}

/**
 * The piece a token stream stands for. Runs the grammar (token-stream.ts) over the
 * stream: in 'strict' mode (default) a forbidden token or a missing `<end>` throws
 * `TokenGrammarError` naming the token's index and what was expected; in 'repair' mode
 * forbidden tokens are skipped (see `DecodeOptions.mode`), which makes decoding total.
 */
export function decodeTokens(tokens: ArrayLike<number>, options: DecodeOptions = {}): Piece {
  const state = new TokenStreamState({
    stepsPerQuarter: options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER,
    ...(options.vocabulary === undefined ? {} : { vocabulary: options.vocabulary }),
  });
  const strict = (options.mode ?? 'strict') === 'strict';
  for (let i = 0; i < tokens.length && !state.isComplete; i++) {
    const id = tokens[i] as number;
    if (strict) state.push(id);
    else if (state.isLegal(id)) state.push(id);
  }
  if (!state.isComplete) {
    if (strict) {
      throw new TokenGrammarError(`token stream ends after ${tokens.length} tokens without <end>; expected ${state.expected()}`, tokens.length, -1);
    }
    state.finish();
  }
  return pieceFromState(state, options);
}

/** The piece a (finished or not) stream state holds so far. */
export function pieceFromState(state: TokenStreamState, options: Pick<DecodeOptions, 'bpm' | 'title'> = {}): Piece {
  const spq = state.stepsPerQuarter;
  const notes: Note[][] = state.tracks.map(() => []);
  for (const note of state.notes) {
    notes[note.track]?.push({
      pitch: note.pitch,
      start: note.startStep / spq,
      duration: note.durationSteps / spq,
      velocity: note.velocity,
    });
  }
  const tracks: Track[] = state.tracks.map((track, i) => ({
    name: trackName(i),
    program: track.program,
    isDrum: track.isDrum,
    notes: (notes[i] ?? []).sort(compareNotes),
  }));
  const meters = state.meters;
  const timeSignatures: TimeSignature[] =
    meters.length === 0
      ? [{ time: 0, numerator: 4, denominator: 4 }]
      : meters.map((m) => ({ time: m.step / spq, numerator: m.meter.numerator, denominator: m.meter.denominator }));
  return {
    tracks,
    tempos: [{ time: 0, bpm: options.bpm ?? DEFAULT_BPM }],
    timeSignatures,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(state.key ? { key: state.key } : {}),
  };
}

/**
 * The canonical form of a quantised piece: what `decodeTokens(encodePiece(piece))`
 * returns, computed without tokens — velocities on their bins, track names `Track n`,
 * drum programs 0, one tempo (the first), token-visible time signatures.
 */
export function canonicalPiece(piece: Piece, options: Omit<EncodeOptions, 'style'> & Pick<DecodeOptions, 'bpm'> = {}): Piece {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const spq = options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  checkEncodable(piece, spq, vocabulary);
  const bins = vocabulary.spec.velocityBins;
  const meters = canonicalMeters(piece, spq, vocabulary);
  return {
    tracks: piece.tracks.map((track, i) => ({
      name: trackName(i),
      program: track.isDrum ? 0 : track.program,
      isDrum: track.isDrum,
      notes: track.notes
        .map((n) => ({
          pitch: n.pitch,
          start: toSteps(n.start, spq) / spq,
          duration: toSteps(n.duration, spq) / spq,
          velocity: binVelocity(velocityBin(n.velocity, bins), bins),
        }))
        .sort(compareNotes),
    })),
    tempos: [{ time: 0, bpm: options.bpm ?? DEFAULT_BPM }],
    timeSignatures: (meters.length > 0 ? meters : [{ step: 0, meter: tokenMeter({ numerator: 4, denominator: 4 }, spq, vocabulary) }]).map((m) => ({
      time: m.step / spq,
      numerator: m.meter.numerator,
      denominator: m.meter.denominator,
    })),
    ...(vocabulary.hasKeys && piece.key ? { key: piece.key } : {}),
  };
}

/** Token names of ids, for logs and documentation: `tokenNames([1]) // => ['<start>']`. */
export function tokenNames(ids: Iterable<number>, vocabulary: Vocabulary = DEFAULT_VOCABULARY): string[] {
  return vocabulary.describe(ids);
}

/** Token ids of names: `tokenIds(['<start>']) // => [1]`. Throws for an unknown name. */
export function tokenIds(names: Iterable<string>, vocabulary: Vocabulary = DEFAULT_VOCABULARY): number[] {
  return [...names].map((name) => vocabulary.id(name));
}

/**
 * A readable listing of a stream: the header on one line, then one line per time step
 * with its bar and beat (1-based, beats in quarter notes), then `<end>`. Used in
 * docs/tokens.md and for debugging; throws `TokenGrammarError` for a malformed stream.
 *
 *     formatTokenStream(encodePiece(parseSeed('C4q E4q'), { style: 'folk' }))
 *     // => '<start> style:folk meter:4/4 program:0\n' +
 *     //    'pitch:60 dur:4        # bar 1, beat 1\n' +
 *     //    'pos:4 pitch:64 dur:4  # bar 1, beat 2\n' +
 *     //    '<end>'
 */
export function formatTokenStream(ids: ArrayLike<number>, options: { stepsPerQuarter?: number; vocabulary?: Vocabulary } = {}): string {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const state = new TokenStreamState({ stepsPerQuarter: options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER, vocabulary });
  const lines: Array<{ tokens: string[]; where?: string }> = [{ tokens: [] }];
  let previousKind: string | undefined;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    const phaseBefore = state.phase;
    state.push(id);
    const kind = vocabulary.kind(id) as string;
    const opensStep = (kind === 'bar' && previousKind !== 'bar') || (kind === 'position' && previousKind !== 'bar');
    const leavesHeader = phaseBefore !== state.phase && state.phase === 'body';
    if (opensStep || leavesHeader || kind === 'end') lines.push({ tokens: [] });
    const line = lines[lines.length - 1] as { tokens: string[]; where?: string };
    line.tokens.push(vocabulary.name(id));
    if (state.phase === 'body') {
      const beat = state.positionInBar / state.stepsPerQuarter + 1;
      line.where = `bar ${state.bar + 1}, beat ${Number(beat.toFixed(3))}`;
    }
    previousKind = kind;
  }
  const width = Math.max(0, ...lines.filter((l) => l.where !== undefined).map((l) => l.tokens.join(' ').length)) + 2;
  return lines
    .filter((l) => l.tokens.length > 0)
    .map((l) => (l.where === undefined ? l.tokens.join(' ') : `${l.tokens.join(' ').padEnd(width)}# ${l.where}`))
    .join('\n');
}
