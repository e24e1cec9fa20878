import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type ModelConfig, cellOf, paramCount } from '../model/config.js';
import { type ModelCard, saveModel } from '../model/model-files.js';
import { createLanguageModel } from '../model/create-language-model.js';
import { Rng } from '../model/rng.js';
import { InvalidInputError } from '../util/errors.js';
import { ReplicaPool } from './replica-pool.js';
import { trainingSettingsSchema, type TrainingSettings } from './settings.js';
import type { OptimizerState } from '../model/adam.js';
import { CONTROL } from './replica-calls.js';
import { pitchPositions, transpositionRange } from '../music/transpose.js';
import { Vocabulary, VocabularyMismatchError } from '../music/vocabulary.js';
import { styleKeyCounts, type StyleKeyCounts } from '../music/key-distribution.js';
import { buildCorpus, buildWindows, pieceCount, statefulOrder, type TokenCorpus, type WindowIndex } from './windows.js';

/** The card's `engine`: which engine and cell trained the model. */
export function engineName(config: ModelConfig): string {
  return `rhythmix-${cellOf(config)}/1 (wasm simd128)`;
}

export interface TrainingData {
  train: ReadonlyArray<ArrayLike<number>>;
  valid: ReadonlyArray<ArrayLike<number>>;
  /** Stored as the model's vocabulary.json. */
  vocabulary: unknown;
  /** For the model card: where the data came from. */
  source: string;
  styles?: string[];
  /** Grid of the token stream (needed to evaluate on frames later). */
  stepsPerQuarter?: number;
  /** Data-set specs the shards were built from (how a piano roll was read: `jsb` or `jsb-frames`). */
  datasets?: string[];
}

export interface TrainProgress {
  epoch: number; // 1-based
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface EpochReport {
  epoch: number; // 1-based
  trainLoss: number;
  validationNll: number | null;
  best: boolean;
  seconds: number;
  /** Learning rate the epoch trained with. */
  learningRate: number;
}

export interface TrainOptions {
  data: TrainingData;
  model: ModelConfig;
  settings: TrainingSettings;
  outDir: string;
  name?: string;
  /** Version label of the model this one starts from (fine-tuning). */
  parent?: string | null;
  /** Start from these weights instead of a fresh initialisation. */
  initialParams?: Float32Array;
  /** Continue from outDir/checkpoint when it exists. */
  resume?: boolean;
  /** Abort = finish the current step, save a checkpoint, return. */
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
  onEpoch?: (report: EpochReport) => void;
  /** Extra fields for the model card (e.g. data-set statistics). */
  cardExtras?: Record<string, unknown>;
}

export interface TrainResult {
  outDir: string;
  epochsCompleted: number;
  bestValidationNll: number | null;
  finalTrainLoss: number | null;
  reason: 'completed' | 'early-stopping' | 'interrupted';
  trainingSeconds: number;
  threads: number;
  history: EpochReport[];
}

interface CheckpointState {
  format: 'rhythmix-checkpoint';
  version: 1;
  config: ModelConfig;
  settings: TrainingSettings;
  nextEpoch: number; // 0-based
  nextBatch: number;
  bestValidationNll: number | null;
  epochsWithoutImprovement: number;
  trainingSeconds: number;
  optimizerStep: number;
  history: EpochReport[];
  epochLossSum: number;
  epochTokens: number;
  /** The learning rate now (it decays with settings.lrDecay); absent in older checkpoints. */
  learningRate?: number;
}

const CHECKPOINT_DIR = 'checkpoint';

function checkpointPaths(outDir: string): { dir: string; state: string; params: string; optimizer: string } {
  const dir = path.join(outDir, CHECKPOINT_DIR);
  return { dir, state: path.join(dir, 'state.json'), params: path.join(dir, 'params.bin'), optimizer: path.join(dir, 'optimizer.bin') };
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function saveCheckpoint(outDir: string, state: CheckpointState, params: Float32Array, optimizer: OptimizerState): Promise<void> {
  const files = checkpointPaths(outDir);
  await mkdir(files.dir, { recursive: true });
  await writeAtomic(files.params, bytesOf(params));
  const both = new Float32Array(optimizer.m.length * 2);
  both.set(optimizer.m, 0);
  both.set(optimizer.v, optimizer.m.length);
  await writeAtomic(files.optimizer, bytesOf(both));
  await writeAtomic(files.state, `${JSON.stringify({ ...state, optimizerStep: optimizer.step }, null, 2)}\n`);
}

async function loadCheckpoint(outDir: string): Promise<{ state: CheckpointState; params: Float32Array; optimizer: OptimizerState } | null> {
  const files = checkpointPaths(outDir);
  if (!existsSync(files.state)) return null;
  const state = JSON.parse(await readFile(files.state, 'utf8')) as CheckpointState;
  if (state.format !== 'rhythmix-checkpoint') throw new InvalidInputError(`${files.state} is not a Rhythmix checkpoint`);
  const toFloats = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const params = toFloats(await readFile(files.params));
  const both = toFloats(await readFile(files.optimizer));
  const n = paramCount(state.config);
  if (params.length !== n || both.length !== 2 * n) throw new InvalidInputError(`checkpoint in ${files.dir} does not match its configuration`);
  return { state, params, optimizer: { step: state.optimizerStep, m: both.slice(0, n), v: both.slice(n) } };
}

/**
 * Worker threads for a run: the requested number (at most one per batch row),
 * or by default one per core while every replica keeps ≥ 8 rows of each
 * batch — fewer rows leave the 4-row GEMM tiles and the recurrent GEMMs too thin.
 */
export function replicaCount(requested: number, batchSize: number): number {
  if (requested > 0) return Math.max(1, Math.min(requested, batchSize));
  return Math.max(1, Math.min(availableParallelism(), Math.floor(batchSize / 8)));
}

/**
 * Window order of an epoch, a fixed function of the seed and the epoch: shuffled windows, or
 * with `stateful` the windows of shuffled pieces in order, one stream per batch row (-1 = padding).
 */
export function epochOrder(windows: WindowIndex, settings: Pick<TrainingSettings, 'seed' | 'stateful' | 'batchSize'>, epoch: number): Int32Array {
  const rng = new Rng((settings.seed * 7919 + epoch * 104_729) >>> 0);
  if (settings.stateful) return statefulOrder(windows, settings.batchSize, rng);
  const order = Array.from({ length: windows.windowStart.length }, (_, i) => i);
  rng.shuffle(order);
  return Int32Array.from(order);
}

/** Per train token whether transposition moves it, and per piece the shifts that stay in range. */
export interface TranspositionPlan {
  shiftable: Uint8Array;
  /** Id of the first key token (-1: none in this vocabulary). */
  keyFirst: number;
  min: Int8Array;
  max: Int8Array;
}

export function planTransposition(corpus: TokenCorpus, vocabularyJson: unknown, maxSemitones: number): TranspositionPlan | null {
  if (maxSemitones <= 0) return null;
  const vocabulary = Vocabulary.fromJSON(vocabularyJson);
  const shiftable = new Uint8Array(new SharedArrayBuffer(Math.max(1, corpus.tokens.length))).subarray(0, corpus.tokens.length);
  const pieces = pieceCount(corpus);
  const min = new Int8Array(pieces);
  const max = new Int8Array(pieces);
  for (let p = 0; p < pieces; p++) {
    const from = corpus.starts[p]!;
    const positions = pitchPositions(corpus.tokens.subarray(from, corpus.starts[p + 1]), vocabulary);
    shiftable.set(positions.shiftable, from);
    const range = transpositionRange(positions, maxSemitones, vocabulary);
    min[p] = range.min;
    max[p] = range.max;
  }
  return { shiftable, min, max, keyFirst: vocabulary.hasKeys ? vocabulary.first('key') : -1 };
}

/** Each piece's transposition in an epoch: uniform over its allowed shifts, a fixed function of seed and epoch. */
export function epochShifts(plan: TranspositionPlan, seed: number, epoch: number): Int8Array {
  const rng = new Rng((seed * 6_151 + epoch * 15_485_863 + 1) >>> 0);
  return plan.min.map((low, p) => low + rng.int(plan.max[p]! - low + 1));
}

/** Key counts per style of the training split; none for data outside the token language (toy tests). */
function keyCountsOf(data: TrainingData): StyleKeyCounts {
  let vocabulary: Vocabulary;
  try {
    vocabulary = Vocabulary.fromJSON(data.vocabulary);
  } catch (error) {
    if (error instanceof VocabularyMismatchError) return {};
    throw error;
  }
  return styleKeyCounts(data.train, vocabulary);
}

function checkVocabulary(pieces: ReadonlyArray<ArrayLike<number>>, vocabSize: number, split: string): void {
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i++) {
      const token = piece[i]!;
      if (!Number.isInteger(token) || token < 0 || token >= vocabSize)
        throw new InvalidInputError(`${split} data holds token id ${token}; the model's vocabulary has ${vocabSize} ids`);
    }
  }
}

/**
 * Trains (or resumes) a model into `outDir`. All compute runs in worker
 * threads, so the caller's event loop stays free. The model files in outDir
 * hold the best-validation weights; outDir/checkpoint holds the latest state.
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { data, outDir } = options;
  let config = options.model;
  let settings = options.settings;
  await mkdir(outDir, { recursive: true });
  const resumed = options.resume ? await loadCheckpoint(outDir) : null;
  if (resumed) {
    config = resumed.state.config;
    // Through the schema: a checkpoint from before a setting existed gets its default (lrDecay = 1).
    settings = trainingSettingsSchema.parse({ ...resumed.state.settings, epochs: Math.max(resumed.state.settings.epochs, options.settings.epochs) });
  }
  checkVocabulary(data.train, config.vocabSize, 'training');
  checkVocabulary(data.valid, config.vocabSize, 'validation');
  const train = buildCorpus(data.train);
  const valid = buildCorpus(data.valid);
  const trainWindows = buildWindows(train, settings.seqLen);
  const transposition = planTransposition(train, data.vocabulary, settings.transpose);
  const windowCount = trainWindows.windowStart.length;
  if (windowCount === 0) throw new InvalidInputError('the training split has no piece of two or more tokens');

  let params: Float32Array;
  if (resumed) params = resumed.params;
  else if (options.initialParams) params = options.initialParams.slice();
  else {
    const net = createLanguageModel(config);
    net.initialize(settings.seed);
    params = net.getParameters();
  }
  const size = params.length;
  const world = replicaCount(settings.threads, settings.batchSize);
  const control = new SharedArrayBuffer(CONTROL.length * 4);
  const controlView = new Int32Array(control);
  const pool = await ReplicaPool.start(world, {
    config,
    settings,
    params,
    optimizer: resumed?.optimizer ?? null,
    train,
    trainWindows,
    trainShiftable: transposition?.shiftable ?? null,
    keyFirst: transposition?.keyFirst ?? -1,
    valid,
    control,
    stats: new SharedArrayBuffer(16 * world),
    gradSlots: new SharedArrayBuffer(world > 1 ? 4 * size * world : 4),
    reduced: new SharedArrayBuffer(world > 1 ? 4 * size : 4),
  });
  const stop = (): void => {
    Atomics.store(controlView, CONTROL.stopRequest, 1);
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  const state: CheckpointState = resumed?.state ?? {
    format: 'rhythmix-checkpoint',
    version: 1,
    config,
    settings,
    nextEpoch: 0,
    nextBatch: 0,
    bestValidationNll: null,
    epochsWithoutImprovement: 0,
    trainingSeconds: 0,
    optimizerStep: 0,
    history: [],
    epochLossSum: 0,
    epochTokens: 0,
  };
  state.settings = settings;
  // Which keys each style's training pieces open in: compose draws new pieces' keys from it.
  const keyCounts = keyCountsOf(data);
  // Set from each epoch's order before its first batch: stateful layouts pad the streams, so an
  // epoch can be a few batches longer than the window count says.
  let batchesPerEpoch = 0;
  let reason: TrainResult['reason'] = 'completed';
  const sessionStart = performance.now();
  const baseSeconds = state.trainingSeconds;
  const elapsed = (): number => baseSeconds + (performance.now() - sessionStart) / 1000;

  const writeCheckpoint = async (): Promise<{ params: Float32Array }> => {
    const snap = await pool.snapshot();
    state.trainingSeconds = elapsed();
    await saveCheckpoint(outDir, state, snap.params, snap.optimizer);
    return { params: snap.params };
  };
  const card = (validationNll: number | null, epochs: number): ModelCard => ({
    name: options.name ?? path.basename(path.resolve(outDir)),
    version: new Date().toISOString(),
    parent: options.parent ?? null,
    createdAt: new Date().toISOString(),
    data: {
      source: data.source,
      pieces: data.train.length,
      tokens: train.tokens.length,
      validationPieces: data.valid.length,
      ...(data.styles ? { styles: data.styles } : {}),
      ...(data.stepsPerQuarter ? { stepsPerQuarter: data.stepsPerQuarter } : {}),
      ...(data.datasets ? { datasets: data.datasets } : {}),
    },
    config: { model: config, training: { ...settings } },
    epochs,
    validationNll,
    validationMetric: 'token NLL in nats per predicted token (full-context, end token included)',
    trainingSeconds: Math.round(elapsed() * 10) / 10,
    engine: engineName(config),
    ...(Object.keys(keyCounts).length > 0 ? { keys: keyCounts } : {}),
    ...options.cardExtras,
  });

  try {
    let rateStart = performance.now();
    let rateTokens = 0;
    let tokensPerSecond = 0;
    pool.onProgress = (p) => {
      rateTokens += p.tokens;
      const seconds = (performance.now() - rateStart) / 1000;
      if (seconds > 0.5) {
        tokensPerSecond = rateTokens / seconds;
        rateStart = performance.now();
        rateTokens = 0;
      }
      state.epochLossSum += p.loss * p.tokens;
      state.epochTokens += p.tokens;
      const remainingBatches = p.batches - p.batch + (settings.epochs - p.epoch - 1) * batchesPerEpoch;
      const tokensPerBatch = settings.batchSize * settings.seqLen;
      options.onProgress?.({
        epoch: p.epoch + 1,
        epochs: settings.epochs,
        batch: p.batch,
        batches: p.batches,
        loss: p.loss,
        tokensPerSecond,
        etaSeconds: tokensPerSecond > 0 ? (remainingBatches * tokensPerBatch) / tokensPerSecond : Number.NaN,
      });
    };
    while (state.nextEpoch < settings.epochs) {
      const epoch = state.nextEpoch;
      const epochStart = performance.now();
      if (state.nextBatch === 0) {
        state.epochLossSum = 0;
        state.epochTokens = 0;
      }
      // Validation and checkpoints are not training throughput: restart the rate window.
      rateStart = performance.now();
      rateTokens = 0;
      const order = epochOrder(trainWindows, settings, epoch);
      batchesPerEpoch = Math.ceil(order.length / settings.batchSize);
      const done = await pool.epoch({
        type: 'epoch',
        epoch,
        order,
        startBatch: state.nextBatch,
        shifts: transposition ? epochShifts(transposition, settings.seed, epoch) : null,
        learningRate: state.learningRate ?? settings.learningRate,
      });
      state.nextBatch = done[0]!.nextBatch;
      if (done[0]!.stopped && state.nextBatch < batchesPerEpoch) {
        reason = 'interrupted';
        await writeCheckpoint();
        break;
      }
      let validationNll: number | null = null;
      if (valid.tokens.length > 0 && data.valid.length > 0) {
        const parts = await pool.validate();
        const nll = parts.reduce((s, p) => s + p.nll, 0);
        const tokens = parts.reduce((s, p) => s + p.tokens, 0);
        validationNll = tokens > 0 ? nll / tokens : null;
      }
      const trainLoss = state.epochTokens > 0 ? state.epochLossSum / state.epochTokens : Number.NaN;
      const improved = validationNll === null || state.bestValidationNll === null || validationNll < state.bestValidationNll;
      if (improved) {
        state.bestValidationNll = validationNll ?? state.bestValidationNll;
        state.epochsWithoutImprovement = 0;
      } else {
        state.epochsWithoutImprovement++;
      }
      const learningRate = state.learningRate ?? settings.learningRate;
      if (!improved) state.learningRate = learningRate * settings.lrDecay;
      const report: EpochReport = {
        epoch: epoch + 1,
        trainLoss,
        validationNll,
        best: improved,
        seconds: (performance.now() - epochStart) / 1000,
        learningRate,
      };
      state.history.push(report);
      state.nextEpoch = epoch + 1;
      state.nextBatch = 0;
      const { params: latest } = await writeCheckpoint();
      if (improved) await saveModel(outDir, { config, params: latest, vocabulary: data.vocabulary, card: card(validationNll, epoch + 1) });
      options.onEpoch?.(report);
      if (settings.earlyStopping > 0 && state.epochsWithoutImprovement >= settings.earlyStopping) {
        reason = 'early-stopping';
        break;
      }
      if (Atomics.load(controlView, CONTROL.stopRequest)) {
        reason = 'interrupted';
        break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await pool.close();
  }
  const last = state.history[state.history.length - 1];
  return {
    outDir,
    epochsCompleted: state.nextEpoch,
    bestValidationNll: state.bestValidationNll,
    finalTrainLoss: last ? last.trainLoss : null,
    reason,
    trainingSeconds: elapsed(),
    threads: world,
    history: state.history,
  };
}
