/**
 * The real Composer: the LSTM engine's Generator continuing a seed in the token language.
 * The seed is encoded as the prefix after the key the piece is conditioned on (see
 * `conditioningKey`), the model samples under the token grammar (a requested key as a hard mask,
 * a drawn or seed key as a soft one), and the stream is decoded back into a Piece whose tracks
 * take the requested instruments.
 */
import { keyPitchClasses, pieceKey, tonicTriad } from '../music/key.js';
import { drawKey } from '../music/key-distribution.js';
import { mergeRepeatedNotes, type KeySignature, type Piece, type Track } from '../music/piece.js';
import type { MelodyNote } from '../music/melody-forcing.js';
import { quantizePiece } from '../music/quantize.js';
import { decodeTokens } from '../music/tokens.js';
import { InvalidInputError } from '../util/errors.js';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { modelSetting } from '../config/settings.js';
import { join } from 'node:path';
import { Generator } from '../model/generator.js';
import { Rng } from '../model/rng.js';
import { MODEL_FILES, modelsDirectory, resolveModelDir } from '../model/model-files.js';
import { currentModelName } from '../model/registry.js';
import type { ModelFingerprint } from './composer-cache.js';
import type { Composer, ComposerLoader, CompositionRequest } from './composer.js';

/**
 * Models `compose` and the bot try, in order, when none is named: the multi-style bundled model,
 * then the JSB benchmark model (classical only) until the former is committed.
 */
export const DEFAULT_MODELS = ['rhythmix-base', 'jsb-bench'] as const;

/** The registry's current model (models/current.json) when set, else the first bundled one present. */
export function defaultModel(): string {
  const current = currentModelName();
  if (current) return current;
  const found = DEFAULT_MODELS.find((name) => existsSync(join(modelsDirectory(), name, 'model.json')));
  return found ?? DEFAULT_MODELS[0];
}

/**
 * Most notes a track may start at once. The training data never starts more than 5 in one
 * track at one step (6 or more: 64 of 218,452 game-music steps); without a cap, rhythmix-base
 * sometimes piled 10+ rising notes into one step of a folk accompaniment, up to pitch 127.
 */
const MAX_CHORD = 6;

/** What an out-of-key note keeps of its probability under the drawn or seed key (measured: docs/music-quality.md). */
const SOFT_KEY_WEIGHT = 0.1;

/** Generous token budget per quarter note: JSB averages ~6, dense game music more. */
const TOKENS_PER_QUARTER_BUDGET = 40;

export class LstmComposer implements Composer {
  constructor(
    readonly model: string,
    private readonly generator: Generator,
  ) {}

  async compose(
    seedNotes: Piece,
    request: CompositionRequest,
    onProgress: (progress: { fraction: number; message?: string }) => void,
    signal?: AbortSignal,
  ): Promise<Piece> {
    signal?.throwIfAborted();
    if (request.harmonize) return this.harmonize(seedNotes, request, onProgress);
    const generator = this.generator;
    const hasSeed = seedNotes.tracks.some((t) => t.notes.length > 0);
    const key = generator.vocabulary.hasKeys ? conditioningKey(seedNotes, request, generator) : undefined;
    const prefix = hasSeed ? generator.prefixFromPiece(seedNotes, request.style, request.seedBeats, key) : generator.stylePrefix(request.style, key);
    onProgress({ fraction: 0, message: 'composing' });
    const sampling = this.sampling(request, key);
    const closingKey = key ?? (request.key ? conditioningKey(seedNotes, request, generator) : undefined);
    const result = generator.generate({
      prefix,
      ...sampling,
      ...(request.form ? { form: { sections: request.form.plan.sections, bars: request.bars, primerBars: request.form.seedBars } } : {}),
      constraints: {
        ...sampling.constraints,
        // A form closes on the tonic chord: its last bar starts only notes of the chord (docs/form.md).
        ...(request.form && closingKey ? { closing: { fromBar: request.bars - 1, pitchClasses: tonicTriad(closingKey) } } : {}),
        // The piece runs into its last requested bar instead of stopping early.
        minEndStep: Math.max(0, Math.floor((request.totalBeats - request.totalBeats / request.bars) * generator.stepsPerQuarter)),
        // A new piece declares exactly the requested instruments; a seed brings its own tracks.
        ...(hasSeed ? {} : { tracks: request.instruments.map((i) => ({ program: i.program, isDrum: i.isDrum })) }),
      },
    });
    onProgress({ fraction: 1, message: 'composed' });
    const piece = this.decode([...result.prefix, ...result.tokens], request);
    return withInstruments(generator.writesFrames ? mergeRepeatedNotes(piece) : piece, request);
  }

  /**
   * The melody (the seed's first track) forced into track 0 and the accompaniment sampled around
   * it (docs/harmonize.md). The sampling constraints (key, chord size, every track plays) bind
   * only the accompaniment: the melody is written as given.
   */
  private harmonize(melody: Piece, request: CompositionRequest, onProgress: (progress: { fraction: number; message?: string }) => void): Piece {
    const generator = this.generator;
    if (generator.writesFrames) {
      throw new InvalidInputError(
        `the model ${this.model} writes piano-roll frames, where a held melody note cannot be told from a repeated one — harmonize with a note model`,
        {
          field: 'model',
        },
      );
    }
    const key = generator.vocabulary.hasKeys ? conditioningKey(melody, request, generator) : undefined;
    onProgress({ fraction: 0, message: 'harmonizing' });
    const sampling = this.sampling(request, key);
    const result = generator.generate({
      prefix: generator.stylePrefix(request.style, key),
      ...sampling,
      melody: { notes: melodyNotes(melody, generator.stepsPerQuarter), trackCount: request.instruments.length },
      constraints: { ...sampling.constraints, tracks: request.instruments.map((i) => ({ program: i.program, isDrum: i.isDrum })) },
    });
    onProgress({ fraction: 1, message: 'harmonized' });
    return withInstruments(this.decode([...result.prefix, ...result.tokens], request), request);
  }

  /** What composing and harmonizing sample under alike: length, sampler settings, key, chord size, meter. */
  private sampling(request: CompositionRequest, key: KeySignature | undefined) {
    const generator = this.generator;
    return {
      maxTokens: Math.ceil(request.totalBeats * TOKENS_PER_QUARTER_BUDGET) + 64,
      // The mask closes the stream inside the last bar, so no note rings past the requested length.
      maxBars: request.bars,
      maxQuarters: request.totalBeats,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topK !== undefined ? { topK: request.topK } : {}),
      ...(request.samplingSeed !== undefined ? { samplingSeed: request.samplingSeed } : {}),
      constraints: {
        // A requested key is a hard mask; the drawn or seed key a soft one (music leaves its scale now and then).
        ...(request.key
          ? { pitchClasses: keyPitchClasses(request.key) }
          : key
            ? { preferredPitchClasses: { classes: keyPitchClasses(key), weight: SOFT_KEY_WEIGHT } }
            : {}),
        maxNotesPerStep: MAX_CHORD,
        everyTrackPlays: true,
        // The length is measured in bars of the request's meter, so the model may not pick another.
        ...(generator.vocabulary.meterId(request.timeSignature) !== undefined ? { meter: request.timeSignature } : {}),
      },
    };
  }

  private decode(tokens: number[], request: CompositionRequest): Piece {
    const generator = this.generator;
    return decodeTokens(tokens, { stepsPerQuarter: generator.stepsPerQuarter, vocabulary: generator.vocabulary, mode: 'repair', bpm: request.bpm });
  }
}

/** The first pitched track of `piece` on the model's grid, as the notes to force. */
export function melodyNotes(piece: Piece, stepsPerQuarter: number): MelodyNote[] {
  const track = piece.tracks.find((t) => !t.isDrum && t.notes.length > 0);
  if (!track) return [];
  const quantized = quantizePiece({ ...piece, tracks: [track] }, { stepsPerQuarter }).piece;
  return (quantized.tracks[0]?.notes ?? []).map((n) => ({
    pitch: n.pitch,
    startStep: Math.round(n.start * stepsPerQuarter),
    durationSteps: Math.round(n.duration * stepsPerQuarter),
    velocity: n.velocity,
  }));
}

/** Seed notes from which a key can be told: fewer leave Krumhansl–Schmuckler guessing. */
const MIN_SEED_NOTES_FOR_KEY = 6;

/**
 * The key a new piece is conditioned on: the requested one (major or minor by its scale's
 * third), else the seed's (declared, or estimated from enough notes), else one drawn from the
 * keys the style's training pieces use — with the take's sampling seed, so a take repeats.
 */
export function conditioningKey(seedNotes: Piece, request: CompositionRequest, generator: Pick<Generator, 'keyCounts'>): KeySignature | undefined {
  if (request.key) {
    const minorThird = keyPitchClasses(request.key).includes((request.key.tonicPitchClass + 3) % 12);
    return { tonicPitchClass: request.key.tonicPitchClass, mode: minorThird ? 'minor' : 'major' };
  }
  const pitched = seedNotes.tracks.filter((t) => !t.isDrum).reduce((n, t) => n + t.notes.length, 0);
  if (seedNotes.key || pitched >= MIN_SEED_NOTES_FOR_KEY) {
    const fromSeed = pieceKey(seedNotes);
    if (fromSeed) return fromSeed;
  }
  const draw = new Rng(((request.samplingSeed ?? 1) ^ 0x6b657973) >>> 0).next();
  return drawKey(generator.keyCounts(request.style), draw);
}

/**
 * Gives the i-th generated track the i-th requested instrument (the model may make fewer) and
 * cuts notes at the requested length: the grammar bounds onsets, not how long the last notes ring.
 */
function withInstruments(piece: Piece, request: CompositionRequest): Piece {
  const end = request.totalBeats;
  const tracks: Track[] = piece.tracks.map((track, i) => {
    const notes = track.notes.filter((n) => n.start < end).map((n) => (n.start + n.duration > end ? { ...n, duration: end - n.start } : n));
    const instrument = request.instruments[i];
    if (!instrument || track.isDrum !== instrument.isDrum) return { ...track, notes };
    return { ...track, notes, name: instrument.name, program: instrument.program, isDrum: instrument.isDrum };
  });
  return { ...piece, tracks };
}

/** The model a load of `model` takes now: `--model` (a name under models/ or a folder), else RHYTHMIX_MODEL, else the bundled model. */
function chosenModel(model: string | undefined): string {
  return model ?? modelSetting() ?? defaultModel();
}

/** Loads `--model` (a name under models/ or a folder), else RHYTHMIX_MODEL, else the bundled model. */
export const loadLstmComposer: ComposerLoader = async (model) => {
  const name = chosenModel(model);
  return new LstmComposer(name, await Generator.load(name));
};

/** The chosen model's folder and its files' sizes and times: changes whenever a load would give another model. */
export const lstmModelFingerprint: ModelFingerprint = async (model) => {
  const name = chosenModel(model);
  const dir = resolveModelDir(name);
  const files = await Promise.all(
    [MODEL_FILES.topology, MODEL_FILES.weights, MODEL_FILES.vocabulary].map((file) =>
      stat(join(dir, file)).then(
        (info) => `${info.size}@${info.mtimeMs}`,
        () => 'missing',
      ),
    ),
  );
  return [name, dir, ...files].join('|');
};
