import { splitNotesIntoFrames, type KeySignature, type Piece } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { MelodyForcingMask, type MelodyNote } from '../music/melody-forcing.js';
import { FormForcingMask, type FormForcingOptions } from '../music/form-forcing.js';
import { type SamplingConstraints, TokenStreamState } from '../music/token-stream.js';
import { encodePrefix } from '../music/tokens.js';
import { Vocabulary } from '../music/vocabulary.js';
import { InvalidInputError } from '../util/errors.js';
import { type LoadedModel, loadModel, readsPianoRollFrames } from './model-files.js';
import { languageModelFrom } from './create-language-model.js';
import { type GenerateOptions, type GenerateResult, Sampler, type SamplingOptions } from './sampler.js';

/**
 * A plain-data generation request (it crosses worker boundaries, so no
 * callbacks): sampling settings, a prefix, stop rules and the grammar mask.
 */
export interface GenerateRequest extends SamplingOptions {
  /** Token ids to continue: at least the start token (and usually the style token). */
  prefix: number[];
  /** Most tokens to sample after the prefix. */
  maxTokens: number;
  /** Keep the stream well-formed with the token grammar (default true). */
  grammar?: boolean;
  /** Grid of the token stream for the grammar; default: the model's training grid. */
  stepsPerQuarter?: number;
  /** Key/scale (pitchClasses), range (minPitch/maxPitch) and maxBars limits enforced by the mask. */
  constraints?: SamplingConstraints;
  /** Stop at this many bars (the mask also closes the stream inside the limit). */
  maxBars?: number;
  /** Stop once the stream reaches this many quarter notes. */
  maxQuarters?: number;
  /** Stop once the stream reaches this many seconds at `bpm` (default 120). */
  maxSeconds?: number;
  bpm?: number;
  /** Stop at the end token (default true). */
  stopAtEnd?: boolean;
  /**
   * Harmonize: these notes are forced into track 0 and the other tracks sampled around them
   * (src/music/melody-forcing.ts); `trackCount` is how many tracks the header declares. Needs the grammar.
   */
  melody?: { readonly notes: readonly MelodyNote[]; readonly trackCount: number };
  /**
   * A form: returning sections restate their first statement, forced token by token
   * (src/music/form-forcing.ts, docs/form.md). Needs the grammar; not with `melody`.
   */
  form?: FormForcingOptions;
}

/** Result of a request; `prefix` + `tokens` is the whole stream. */
export interface GenerateResponse extends GenerateResult {
  prefix: number[];
}

/** A loaded model ready to sample, on the calling thread. */
export class Generator {
  readonly sampler: Sampler;
  readonly vocabulary: Vocabulary;
  readonly stepsPerQuarter: number;
  /** The model writes a piano roll frame by frame: repeated notes stand for held ones. */
  readonly writesFrames: boolean;

  constructor(readonly model: LoadedModel) {
    this.sampler = new Sampler(languageModelFrom(model));
    this.vocabulary = Vocabulary.fromJSON(model.vocabulary);
    if (this.vocabulary.size !== model.config.vocabSize)
      throw new InvalidInputError(`${model.dir}: vocabulary.json has ${this.vocabulary.size} tokens, the network ${model.config.vocabSize}`);
    const stored = model.card?.data?.stepsPerQuarter;
    this.stepsPerQuarter = typeof stored === 'number' ? stored : 4;
    this.writesFrames = readsPianoRollFrames(model.card);
  }

  static async load(nameOrPath: string): Promise<Generator> {
    return new Generator(await loadModel(nameOrPath));
  }

  private options(request: GenerateRequest): GenerateOptions {
    const grammar = request.grammar ?? true;
    const constraints: SamplingConstraints = { ...request.constraints, ...(request.maxBars !== undefined ? { maxBars: request.maxBars } : {}) };
    const fromSeconds = request.maxSeconds !== undefined ? (request.maxSeconds * (request.bpm ?? 120)) / 60 : undefined;
    const quarters =
      request.maxQuarters !== undefined && fromSeconds !== undefined ? Math.min(request.maxQuarters, fromSeconds) : (request.maxQuarters ?? fromSeconds);
    const state = grammar
      ? new TokenStreamState({ vocabulary: this.vocabulary, stepsPerQuarter: request.stepsPerQuarter ?? this.stepsPerQuarter, constraints })
      : undefined;
    if (request.melody && !state) throw new InvalidInputError('forcing a melody needs the token grammar');
    if (request.form && !state) throw new InvalidInputError('a form needs the token grammar');
    if (request.form && request.melody) throw new InvalidInputError('a form cannot be forced while harmonizing a melody');
    const mask =
      state && request.melody
        ? new MelodyForcingMask(state, request.melody.notes, request.melody.trackCount)
        : state && request.form
          ? new FormForcingMask(state, request.form)
          : state;
    return {
      prefix: request.prefix,
      maxTokens: request.maxTokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topK !== undefined ? { topK: request.topK } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.samplingSeed !== undefined ? { samplingSeed: request.samplingSeed } : {}),
      ...((request.stopAtEnd ?? true) ? { endToken: this.vocabulary.endId } : {}),
      ...(mask ? { mask } : {}),
      ...(request.maxBars !== undefined ? { maxBars: request.maxBars } : {}),
      ...(quarters !== undefined ? { maxQuarters: quarters } : {}),
    };
  }

  /**
   * The prefix that continues a seed piece (from seed notation or MIDI): its
   * canonical encoding on the model's grid without the end token. With `continueAt`
   * (the seed's length in beats) the prefix advances past the seed's trailing rests, so
   * nothing is added inside the seed's bars: a Variation keeps its parent's opening as is.
   */
  prefixFromPiece(piece: Piece, style: string, continueAt?: number, key?: KeySignature): number[] {
    const quantized = quantizePiece(this.writesFrames ? splitNotesIntoFrames(piece, 1) : piece, { stepsPerQuarter: this.stepsPerQuarter }).piece;
    const onGrid = continueAt !== undefined && Math.abs(Math.round(continueAt * this.stepsPerQuarter) - continueAt * this.stepsPerQuarter) < 1e-6;
    return encodePrefix(quantized, {
      style,
      stepsPerQuarter: this.stepsPerQuarter,
      vocabulary: this.vocabulary,
      ...(onGrid ? { continueAt } : {}),
      ...(key ? { key } : {}),
    });
  }

  /** Start, style and (for a model with key tokens) key tokens: the prefix of a new piece. */
  stylePrefix(style: string, key?: KeySignature): number[] {
    return [this.vocabulary.startId, this.vocabulary.styleId(style), ...(key && this.vocabulary.hasKeys ? [this.vocabulary.keyId(key)] : [])];
  }

  /** How many training pieces of `style` were in each key (from the card); undefined for a model without key tokens. */
  keyCounts(style: string): Readonly<Record<string, number>> | undefined {
    if (!this.vocabulary.hasKeys) return undefined;
    const keys = this.model.card?.keys;
    const perStyle = keys !== null && typeof keys === 'object' ? (keys as Record<string, unknown>)[style] : undefined;
    if (perStyle === null || typeof perStyle !== 'object') return undefined;
    return Object.fromEntries(Object.entries(perStyle).filter((e): e is [string, number] => typeof e[1] === 'number'));
  }

  generate(request: GenerateRequest): GenerateResponse {
    return this.generateBatch([request])[0]!;
  }

  /** Several streams stepped together (one batched step per token). */
  generateBatch(requests: readonly GenerateRequest[]): GenerateResponse[] {
    const results = this.sampler.generateBatch(requests.map((r) => this.options(r)));
    return results.map((r, i) => ({ ...r, prefix: [...requests[i]!.prefix] }));
  }
}
