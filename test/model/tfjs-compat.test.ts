import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECURRENT_CELLS } from '../../src/model/cells.js';
import type { ModelConfig } from '../../src/model/config.js';
import { type ModelCard, configFromTopology, loadModel, saveModel } from '../../src/model/model-files.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';
import { buildStockModel, setStockWeights } from '../../src/model/stock.js';

const B = 3;
const T = 7;

function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
        modelTopology: object;
        weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
      };
      const group = json.weightsManifest[0]!;
      const bin = readFileSync(path.join(dir, group.paths[0]!));
      return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
    },
  };
}

function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(b[i]!)));
  return worst;
}

describe.each(RECURRENT_CELLS)('TensorFlow.js compatibility (%s)', (cell) => {
  // An LSTM's configuration names no cell, as every model saved before there was a choice.
  const base: ModelConfig = { vocabSize: 23, embedding: 6, layers: [18, 12], dropout: 0 };
  const config: ModelConfig = cell === 'lstm' ? base : { ...base, cell };
  let dir: string;
  const net = new RecurrentNetwork(config);
  const rng = new Rng(7);
  const inputs = new Int32Array(B * T).map(() => rng.int(config.vocabSize));
  const targets = new Int32Array(B * T).map(() => rng.int(config.vocabSize));
  const card: ModelCard = {
    name: 'compat',
    version: '1',
    parent: null,
    createdAt: new Date(0).toISOString(),
    data: { source: 'synthetic' },
    config: { model: config },
    epochs: 0,
    validationNll: null,
    trainingSeconds: 0,
    engine: 'test',
  };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-compat-'));
    net.initialize(11);
    // Spread the weights so the gates saturate differently across units.
    const p = net.parameterView();
    for (let i = 0; i < p.length; i++) p[i] = p[i]! * 2.5;
    net.parametersChanged();
    await saveModel(dir, { config, params: net.getParameters(), vocabulary: { tokens: ['a'] }, card });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stock tf.loadLayersModel reads the files and gives the engine outputs and loss', async () => {
    const model = await tf.loadLayersModel(fileHandler(dir));
    const output = model.predict(tf.tensor2d(Array.from(inputs), [B, T], 'float32')) as tf.Tensor;
    expect(output.shape).toEqual([B, T, config.vocabSize]);
    const stock = output.dataSync();
    const engine = net.runBatch(inputs, targets, B, T, { backward: false });
    const probs = net.lastProbabilities(B, T); // time-major
    const V = config.vocabSize;
    const reordered = new Float32Array(B * T * V);
    let stockLoss = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        reordered.set(probs.subarray((t * B + b) * V, (t * B + b + 1) * V), (b * T + t) * V);
        stockLoss -= Math.log(stock[(b * T + t) * V + targets[b * T + t]!]!);
      }
    }
    expect(maxRelativeError(reordered, stock)).toBeLessThan(1e-4);
    expect(Math.abs(engine.loss - stockLoss) / stockLoss).toBeLessThan(1e-4);
    model.dispose();
  });

  it('identical weights set into a stock model built in code agree too', () => {
    const model = buildStockModel(config);
    setStockWeights(model, config, net.getParameters());
    const output = (model.predict(tf.tensor2d(Array.from(inputs), [B, T], 'float32')) as tf.Tensor).dataSync();
    net.runBatch(inputs, targets, B, T, { backward: false });
    const probs = net.lastProbabilities(B, T);
    const V = config.vocabSize;
    const b = 2;
    const t = T - 1;
    expect(maxRelativeError(probs.subarray((t * B + b) * V, (t * B + b + 1) * V), output.subarray((b * T + t) * V, (b * T + t + 1) * V))).toBeLessThan(1e-4);
  });

  it('stateful stepping gives the same distributions as the whole sequence', () => {
    net.runBatch(inputs, targets, B, T, { backward: false });
    const whole = net.lastProbabilities(B, T).slice();
    const V = config.vocabSize;
    const single = net.createState(1);
    const batched = net.createState(B);
    for (let t = 0; t < T; t++) {
      const one = net.step(single, [inputs[0 * T + t]!]);
      expect(maxRelativeError(one, whole.subarray(t * B * V, t * B * V + V))).toBeLessThan(1e-4);
      const many = net.step(
        batched,
        [0, 1, 2].map((b) => inputs[b * T + t]!),
      );
      expect(maxRelativeError(many, whole.subarray(t * B * V, (t + 1) * B * V))).toBeLessThan(1e-4);
    }
  });

  it('loadModel round-trips parameters, vocabulary and card', async () => {
    const loaded = await loadModel(dir);
    expect(loaded.config).toEqual(config);
    expect(Array.from(loaded.params)).toEqual(Array.from(net.getParameters()));
    expect(loaded.vocabulary).toEqual({ tokens: ['a'] });
    expect(loaded.card?.name).toBe('compat');
  });

  it('loadModel finds a bare name in the models folder', async () => {
    const saved = process.env.RHYTHMIX_MODELS_DIR;
    process.env.RHYTHMIX_MODELS_DIR = path.dirname(dir);
    try {
      const loaded = await loadModel(path.basename(dir));
      expect(loaded.dir).toBe(dir);
      expect(loaded.config).toEqual(config);
    } finally {
      if (saved === undefined) delete process.env.RHYTHMIX_MODELS_DIR;
      else process.env.RHYTHMIX_MODELS_DIR = saved;
    }
  });

  it('loadModel reads a model saved by stock tf.layers under its own layer names', async () => {
    const stock = tf.sequential();
    stock.add(tf.layers.embedding({ inputDim: config.vocabSize, outputDim: config.embedding, inputShape: [null] }));
    for (const units of config.layers) {
      const layer = { units, returnSequences: true, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' } as const;
      stock.add(cell === 'gru' ? tf.layers.gru(layer) : tf.layers.lstm(layer));
    }
    stock.add(tf.layers.dense({ units: config.vocabSize, activation: 'softmax' }));
    const stockDir = mkdtempSync(path.join(tmpdir(), 'rhythmix-stock-'));
    try {
      await stock.save(
        tf.io.withSaveHandler(async (artifacts) => {
          writeFileSync(
            path.join(stockDir, 'model.json'),
            JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }),
          );
          writeFileSync(path.join(stockDir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const loaded = await loadModel(stockDir);
      expect(loaded.config).toEqual(config);
      const engine = new RecurrentNetwork(loaded.config);
      engine.setParameters(loaded.params);
      const expected = (stock.predict(tf.tensor2d(Array.from(inputs), [B, T], 'float32')) as tf.Tensor).dataSync();
      engine.runBatch(inputs, targets, B, T, { backward: false });
      const probs = engine.lastProbabilities(B, T);
      const V = config.vocabSize;
      expect(maxRelativeError(probs.subarray(0, V), expected.subarray(0, V))).toBeLessThan(1e-4); // t = 0, b = 0
    } finally {
      rmSync(stockDir, { recursive: true, force: true });
      stock.dispose();
    }
  });

  it('loadModel names the missing model', async () => {
    await expect(loadModel(path.join(dir, 'nope'))).rejects.toThrow(/no model/);
  });
});

describe('configFromTopology', () => {
  const topology = (recurrent: Array<{ class_name: string; config: Record<string, unknown> }>) => ({
    class_name: 'Sequential',
    config: {
      layers: [{ class_name: 'Embedding', config: { input_dim: 9, output_dim: 4 } }, ...recurrent, { class_name: 'Dense', config: { units: 9 } }],
    },
  });

  it('reads the cell from the recurrent layers’ class', () => {
    expect(configFromTopology(topology([{ class_name: 'LSTM', config: { units: 5 } }]))).toEqual({ vocabSize: 9, embedding: 4, layers: [5], dropout: 0 });
    expect(configFromTopology(topology([{ class_name: 'GRU', config: { units: 5, reset_after: false } }]))).toEqual({
      vocabSize: 9,
      embedding: 4,
      layers: [5],
      cell: 'gru',
      dropout: 0,
    });
  });

  it('refuses a GRU with reset_after (Keras 2.3+ default, which TensorFlow.js does not run) and mixed cells', () => {
    expect(() => configFromTopology(topology([{ class_name: 'GRU', config: { units: 5, reset_after: true } }]))).toThrow(/reset_after/);
    expect(() =>
      configFromTopology(
        topology([
          { class_name: 'LSTM', config: { units: 5 } },
          { class_name: 'GRU', config: { units: 5 } },
        ]),
      ),
    ).toThrow(/not an Embedding/);
  });
});
