import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../model/backend.js';
import { type ModelConfig, REFERENCE_CONFIG } from '../model/config.js';
import { createLanguageModel } from '../model/create-language-model.js';
import { Rng } from '../model/rng.js';
import { buildStockModel, setStockWeights } from '../model/stock.js';
import { ReplicaPool } from './replica-pool.js';
import { trainingSettingsSchema } from './settings.js';
import { replicaCount } from './trainer.js';
import { CONTROL } from './replica-calls.js';
import { buildCorpus, buildWindows } from './windows.js';

/**
 * Side-by-side speed measurements of the engine and stock tf.layers on the
 * reference configuration (vocabulary 300, embedding 64, 2×LSTM 256,
 * sequence 64, batch 32, Adam, cross-entropy at every step). Both run in the
 * same process one after the other, so machine noise hits both.
 */
export interface TrainBenchResult {
  engine: number; // tokens/s
  stock: number; // tokens/s
  ratio: number;
  unit: 'tokens/s';
  backend: string;
  threads: number;
  engineBatches: number;
  stockBatches: number;
  config: ModelConfig & { seqLen: number; batchSize: number };
}

export interface GenerateBenchResult {
  engine: number; // ms per batch-1 step
  stock: number; // ms per batch-1 step
  ratio: number; // stock / engine
  unit: 'ms/step';
  backend: string;
  engineSteps: number;
  stockSteps: number;
}

const SEQ_LEN = 64;
const BATCH = 32;

function randomTokens(rng: Rng, n: number, vocab: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(vocab);
  return out;
}

/** Engine training speed with `threads` data-parallel workers for about `seconds`. */
export async function benchEngineTraining(
  seconds: number,
  threads = 0,
  config: ModelConfig = REFERENCE_CONFIG,
): Promise<{ tokensPerSecond: number; batches: number; threads: number }> {
  const rng = new Rng(1);
  // Enough windows for a long run; every window is a full SEQ_LEN+1 tokens.
  const batches = 400;
  const pieces = Array.from({ length: BATCH * batches }, () => randomTokens(rng, SEQ_LEN + 1, config.vocabSize));
  const train = buildCorpus(pieces);
  const settings = trainingSettingsSchema.parse({ seqLen: SEQ_LEN, batchSize: BATCH, learningRate: 1e-3, epochs: 1, threads, clipNorm: 0, seed: 1 });
  const net = createLanguageModel(config);
  net.initialize(1);
  const world = replicaCount(threads, BATCH);
  const control = new SharedArrayBuffer(CONTROL.length * 4);
  const size = net.size;
  const pool = await ReplicaPool.start(world, {
    config,
    settings,
    params: net.getParameters(),
    optimizer: null,
    train,
    trainWindows: buildWindows(train, SEQ_LEN),
    trainShiftable: null,
    keyFirst: -1,
    valid: buildCorpus([]),
    control,
    stats: new SharedArrayBuffer(16 * world),
    gradSlots: new SharedArrayBuffer(world > 1 ? 4 * size * world : 4),
    reduced: new SharedArrayBuffer(world > 1 ? 4 * size : 4),
  });
  try {
    let firstAt = 0;
    let firstBatch = 0;
    let lastAt = 0;
    let lastBatch = 0;
    const stopAfter = seconds * 1000;
    pool.onProgress = (p) => {
      const now = performance.now();
      // Batch 1 includes warm-up (compilation, first packing): time from the first report on.
      if (!firstAt) {
        firstAt = now;
        firstBatch = p.batch;
      } else {
        lastAt = now;
        lastBatch = p.batch;
        if (now - firstAt > stopAfter) Atomics.store(new Int32Array(control), CONTROL.stopRequest, 1);
      }
    };
    await pool.epoch({
      type: 'epoch',
      epoch: 0,
      order: Int32Array.from({ length: BATCH * batches }, (_, i) => i),
      startBatch: 0,
      shifts: null,
      learningRate: settings.learningRate,
    });
    const timed = lastBatch - firstBatch;
    if (timed <= 0) throw new Error('engine benchmark ran too few batches');
    return { tokensPerSecond: (timed * BATCH * SEQ_LEN) / ((lastAt - firstAt) / 1000), batches: timed, threads: world };
  } finally {
    await pool.close();
  }
}

/** Stock tf.layers training speed (one-hot input + bias-free dense ≡ embedding: the wasm backend lacks gather's gradient). */
export async function benchStockTraining(seconds: number, config: ModelConfig = REFERENCE_CONFIG): Promise<{ tokensPerSecond: number; batches: number }> {
  const rng = new Rng(2);
  const model = buildStockModel(config, { oneHotInput: true });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const oneHot = (rows: number): tf.Tensor =>
    tf.tidy(() => tf.oneHot(tf.tensor2d(randomTokens(rng, rows * SEQ_LEN, config.vocabSize), [rows, SEQ_LEN], 'int32'), config.vocabSize).toFloat());
  const x = oneHot(BATCH);
  const y = oneHot(BATCH);
  const warmX = oneHot(2);
  const warmY = oneHot(2);
  try {
    // Warm-up on a small batch (kernel set-up, optimizer slots) so the timed batches are steady state.
    await model.trainOnBatch(warmX, warmY);
    const start = performance.now();
    let batches = 0;
    while (batches < 1 || (performance.now() - start < seconds * 1000 && batches < 50)) {
      await model.trainOnBatch(x, y);
      batches++;
    }
    return { tokensPerSecond: (batches * BATCH * SEQ_LEN) / ((performance.now() - start) / 1000), batches };
  } finally {
    for (const t of [x, y, warmX, warmY]) t.dispose();
    model.dispose();
  }
}

export async function benchTraining(options: { engineSeconds?: number; stockSeconds?: number; threads?: number } = {}): Promise<TrainBenchResult> {
  const backend = await selectBackend();
  const stock = await benchStockTraining(options.stockSeconds ?? 10);
  const engine = await benchEngineTraining(options.engineSeconds ?? 6, options.threads ?? 0);
  return {
    engine: Math.round(engine.tokensPerSecond),
    stock: Math.round(stock.tokensPerSecond),
    ratio: Math.round((engine.tokensPerSecond / stock.tokensPerSecond) * 100) / 100,
    unit: 'tokens/s',
    backend: backend.backend,
    threads: engine.threads,
    engineBatches: engine.batches,
    stockBatches: stock.batches,
    config: { ...REFERENCE_CONFIG, seqLen: SEQ_LEN, batchSize: BATCH },
  };
}

/** Batch-1 generation: one token in, next-token distribution out (read back to JS), per step. */
export async function benchGeneration(options: { seconds?: number } = {}): Promise<GenerateBenchResult> {
  const backend = await selectBackend();
  const seconds = options.seconds ?? 3;
  const config = REFERENCE_CONFIG;
  const net = createLanguageModel(config);
  net.initialize(3);
  const rng = new Rng(4);

  const model = buildStockModel(config, { stateful: true, batchSize: 1 });
  setStockWeights(model, config, net.getParameters());
  let token = 1;
  const stockStep = (): void => {
    const probs = tf.tidy(() => model.predict(tf.tensor2d([[token]], [1, 1], 'float32')) as tf.Tensor);
    const data = probs.dataSync();
    probs.dispose();
    token = data.length > 0 ? rng.int(config.vocabSize) : 0;
  };
  for (let i = 0; i < 20; i++) stockStep();
  let stockSteps = 0;
  let start = performance.now();
  while (stockSteps < 50 || performance.now() - start < seconds * 1000) {
    stockStep();
    stockSteps++;
  }
  const stockMs = (performance.now() - start) / stockSteps;
  model.dispose();

  const state = net.createState(1);
  const input = [1];
  const engineStep = (): void => {
    const probs = net.step(state, input);
    input[0] = probs.length > 0 ? rng.int(config.vocabSize) : 0;
  };
  for (let i = 0; i < 200; i++) engineStep();
  let engineSteps = 0;
  start = performance.now();
  while (engineSteps < 500 || performance.now() - start < seconds * 1000) {
    engineStep();
    engineSteps++;
  }
  const engineMs = (performance.now() - start) / engineSteps;
  return {
    engine: Math.round(engineMs * 10000) / 10000,
    stock: Math.round(stockMs * 10000) / 10000,
    ratio: Math.round((stockMs / engineMs) * 100) / 100,
    unit: 'ms/step',
    backend: backend.backend,
    engineSteps,
    stockSteps,
  };
}
