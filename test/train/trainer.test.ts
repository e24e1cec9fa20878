import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECURRENT_CELLS } from '../../src/model/cells.js';
import type { ModelConfig } from '../../src/model/config.js';
import { loadModel } from '../../src/model/model-files.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';
import { sequenceNll } from '../../src/train/evaluate.js';
import { trainingSettingsSchema } from '../../src/train/settings.js';
import { type EpochReport, type TrainingData, trainModel } from '../../src/train/trainer.js';
import { buildCorpus, buildWindows, resetFlags, statefulOrder } from '../../src/train/windows.js';
import { TempDirs } from '../support/temp-dirs.js';

// A deterministic toy language: after the start token, a cycle 1..8 from a random phase.
function toyData(pieces: number, length: number, offset: number): number[][] {
  return Array.from({ length: pieces }, (_, p) => {
    const phase = (p * 3 + offset) % 8;
    return [0, ...Array.from({ length }, (_, i) => 1 + ((phase + i) % 8))];
  });
}

const config: ModelConfig = { vocabSize: 10, embedding: 8, layers: [24, 24], dropout: 0 };
const data: TrainingData = { train: toyData(24, 40, 0), valid: toyData(4, 40, 1), vocabulary: { toy: true }, source: 'toy cycle' };
const dirs = new TempDirs();
const tempDir = (): string => dirs.make('rhythmix-train-');
afterAll(() => dirs.removeAll());

describe('trainModel (worker threads)', () => {
  it('learns a toy sequence to near-zero loss and writes a loadable model', async () => {
    const outDir = tempDir();
    const settings = trainingSettingsSchema.parse({ seqLen: 16, batchSize: 8, learningRate: 0.02, epochs: 12, threads: 2, seed: 5 });
    const epochs: number[] = [];
    const result = await trainModel({ data, model: config, settings, outDir, onEpoch: (e) => epochs.push(e.epoch) });
    expect(result.reason).toBe('completed');
    expect(result.threads).toBe(2);
    expect(epochs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // The first token after the start is a free choice of 8 phases: ln 8 / 41 tokens ≈ 0.05 is the floor.
    expect(result.bestValidationNll!).toBeLessThan(0.15);
    const loaded = await loadModel(outDir);
    const net = new RecurrentNetwork(loaded.config);
    net.setParameters(loaded.params);
    const nll = sequenceNll(
      net,
      data.valid.map((p) => Int32Array.from(p)),
    );
    expect(nll.nll / nll.tokens).toBeCloseTo(result.bestValidationNll!, 4);
    const card = JSON.parse(readFileSync(path.join(outDir, 'card.json'), 'utf8')) as { epochs: number; validationNll: number; data: { source: string } };
    expect(card.data.source).toBe('toy cycle');
    expect(card.validationNll).toBeCloseTo(result.bestValidationNll!, 6);
  });

  it.each(RECURRENT_CELLS)('is deterministic for a seed, and resuming an interrupted run reproduces the uninterrupted one (%s)', async (cell) => {
    const settings = trainingSettingsSchema.parse({ seqLen: 8, batchSize: 6, learningRate: 0.01, epochs: 2, threads: 2, seed: 9, clipNorm: 1 });
    const model: ModelConfig = { ...config, dropout: 0.2, ...(cell === 'lstm' ? {} : { cell }) };
    const a = tempDir();
    const b = tempDir();
    await trainModel({ data, model, settings, outDir: a });
    await trainModel({ data, model, settings, outDir: b });
    const weightsA = readFileSync(path.join(a, 'checkpoint', 'params.bin'));
    expect(weightsA.equals(readFileSync(path.join(b, 'checkpoint', 'params.bin')))).toBe(true);

    const c = tempDir();
    const controller = new AbortController();
    const first = await trainModel({
      data,
      model,
      settings,
      outDir: c,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.epoch === 1 && p.batch >= 3) controller.abort();
      },
    });
    expect(first.reason).toBe('interrupted');
    expect(existsSync(path.join(c, 'checkpoint', 'state.json'))).toBe(true);
    const second = await trainModel({ data, model, settings, outDir: c, resume: true });
    expect(second.reason).toBe('completed');
    expect(second.epochsCompleted).toBe(2);
    expect(readFileSync(path.join(c, 'checkpoint', 'params.bin')).equals(weightsA)).toBe(true);
  });

  it('stops early when validation stops improving', async () => {
    const settings = trainingSettingsSchema.parse({ seqLen: 16, batchSize: 8, learningRate: 0.5, epochs: 30, threads: 1, seed: 2, earlyStopping: 1 });
    const result = await trainModel({ data, model: config, settings, outDir: tempDir() });
    expect(result.reason).toBe('early-stopping');
    expect(result.epochsCompleted).toBeLessThan(30);
  });

  it('resumes a checkpoint written before lrDecay existed with the default, not NaN', async () => {
    const settings = trainingSettingsSchema.parse({ seqLen: 16, batchSize: 8, learningRate: 0.5, epochs: 14, threads: 1, seed: 2 });
    const dir = tempDir();
    const controller = new AbortController();
    await trainModel({
      data,
      model: config,
      settings,
      outDir: dir,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.batch >= 2) controller.abort();
      },
    });
    const stateFile = path.join(dir, 'checkpoint', 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { settings: Record<string, unknown> };
    delete state.settings.lrDecay;
    writeFileSync(stateFile, JSON.stringify(state));
    const reports: EpochReport[] = [];
    await trainModel({ data, model: config, settings, outDir: dir, resume: true, onEpoch: (e) => reports.push(e) });
    expect(reports.some((r) => !r.best)).toBe(true); // lr 0.5 overshoots, so the decay rule runs
    for (const r of reports) expect(r.learningRate).toBe(0.5);
  });

  it('decays the learning rate after each epoch that does not improve validation', async () => {
    const settings = trainingSettingsSchema.parse({ seqLen: 16, batchSize: 8, learningRate: 0.5, epochs: 14, threads: 1, seed: 2, lrDecay: 0.25 });
    const reports: EpochReport[] = [];
    await trainModel({ data, model: config, settings, outDir: tempDir(), onEpoch: (e) => reports.push(e) });
    expect(reports).toHaveLength(14);
    expect(reports[0]!.learningRate).toBe(0.5);
    expect(reports.some((r) => !r.best)).toBe(true); // lr 0.5 overshoots: some epoch fails to improve
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i]!.learningRate).toBeCloseTo(reports[i - 1]!.learningRate * (reports[i - 1]!.best ? 1 : 0.25), 12);
    }
  });
});

describe('stateful training (carried LSTM state)', () => {
  // Pieces of uneven length (streams end at different batches, some rows are padding) and a
  // model whose predictions depend on context: random weights scaled up.
  const rng = new Rng(11);
  const pieces = Array.from({ length: 13 }, (_, p) => [0, ...Array.from({ length: 9 + ((p * 7) % 23) }, () => 1 + rng.int(9))]);
  const contextData: TrainingData = { train: pieces, valid: pieces, vocabulary: { toy: true }, source: 'random pieces' };
  const contextModel: ModelConfig = { vocabSize: 10, embedding: 6, layers: [12, 10], dropout: 0 };
  const net = new RecurrentNetwork(contextModel);
  net.initialize(12);
  const weights = net.getParameters().map((w) => w * 3);
  // A vanishing learning rate: the epoch's training loss is the loss of these weights.
  const epochLoss = async (stateful: boolean, threads: number): Promise<{ train: number; fullContext: number }> => {
    const result = await trainModel({
      data: contextData,
      model: contextModel,
      initialParams: weights,
      settings: trainingSettingsSchema.parse({ seqLen: 5, batchSize: 4, learningRate: 1e-12, epochs: 1, threads, seed: 3, stateful }),
      outDir: tempDir(),
    });
    return { train: result.history[0]!.trainLoss, fullContext: result.bestValidationNll! };
  };

  it("carries each row's state from window to window: one epoch scores the pieces with their whole context", async () => {
    for (const threads of [1, 2]) {
      const stateful = await epochLoss(true, threads);
      expect(Math.abs(stateful.train - stateful.fullContext) / stateful.fullContext, `threads ${threads}`).toBeLessThan(1e-4);
    }
    // Stateless windows forget the context at every window start, and that shows in the loss.
    const stateless = await epochLoss(false, 1);
    expect(Math.abs(stateless.train - stateless.fullContext) / stateless.fullContext).toBeGreaterThan(0.01);
  });

  it('lays out an epoch as streams of whole pieces, windows in order', () => {
    const corpus = buildCorpus(
      [
        [1, 2, 3, 4, 5, 6, 7],
        [1, 2, 3],
        [1, 2, 3, 4, 5],
        [1, 2],
      ],
      false,
    );
    const windows = buildWindows(corpus, 2); // windows per piece: 3, 1, 2, 1
    const order = statefulOrder(windows, 2, new Rng(4));
    expect(order.length % 2).toBe(0);
    const seen = Array.from(order)
      .filter((w) => w >= 0)
      .sort((a, b) => a - b);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (let row = 0; row < 2; row++) {
      const stream = Array.from({ length: order.length / 2 }, (_, b) => order[b * 2 + row]!).filter((w) => w >= 0);
      // Within a stream, a piece's windows are consecutive and in order.
      for (let i = 1; i < stream.length; i++) {
        if (windows.windowPiece[stream[i]!] === windows.windowPiece[stream[i - 1]!]) expect(stream[i]).toBe(stream[i - 1]! + 1);
        else expect(windows.windowStart[stream[i]!]).toBe(corpus.starts[windows.windowPiece[stream[i]!]!]);
      }
    }
    // Balanced (longest pieces first): 7 windows in 2 streams take 4 batches, whatever the shuffle.
    for (let seed = 0; seed < 20; seed++) expect(statefulOrder(windows, 2, new Rng(seed)).length / 2).toBe(4);
  });

  it("cuts a piece longer than a stream's share into segments that start from zero", () => {
    // One piece of 20 windows and four of 1, in 4 streams: a share is 6 windows.
    const corpus = buildCorpus([Array.from({ length: 41 }, (_, i) => i % 9), [1, 2], [3, 4], [5, 6], [7, 8]], false);
    const windows = buildWindows(corpus, 2);
    const order = statefulOrder(windows, 4, new Rng(2));
    expect(order.length / 4).toBe(6);
    // Replaying the layout, rows reset exactly where a window does not continue the row's last one.
    const previous = new Int32Array(4).fill(-1);
    const flags = new Uint8Array(4);
    let resets = 0;
    for (let b = 0; b < order.length / 4; b++) {
      const ids = order.subarray(b * 4, b * 4 + 4);
      resetFlags(windows, ids, previous, flags);
      ids.forEach((id, r) => {
        if (id >= 0 && flags[r] === 0) expect(windows.windowPiece[id]).toBe(0); // only the long piece continues
      });
      resets += flags.reduce((n, f, r) => n + (f && ids[r]! >= 0 ? 1 : 0), 0);
    }
    // 4 short pieces + the long piece's 4 segments (6, 6, 6, 2 windows), unless two segments happen to follow each other.
    expect(resets).toBeGreaterThanOrEqual(5);
    expect(resets).toBeLessThanOrEqual(8);
  });
});
