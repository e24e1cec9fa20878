import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.js';
import { loadModel } from '../../src/model/model-files.js';
import { LstmNetwork } from '../../src/model/network.js';
import { sequenceNll } from '../../src/train/evaluate.js';
import { trainingSettingsSchema } from '../../src/train/settings.js';
import { type EpochReport, type TrainingData, trainModel } from '../../src/train/trainer.js';

// A deterministic toy language: after the start token, a cycle 1..8 from a random phase.
function toyData(pieces: number, length: number, offset: number): number[][] {
  return Array.from({ length: pieces }, (_, p) => {
    const phase = (p * 3 + offset) % 8;
    return [0, ...Array.from({ length }, (_, i) => 1 + ((phase + i) % 8))];
  });
}

const config: ModelConfig = { vocabSize: 10, embedding: 8, layers: [24, 24], dropout: 0 };
const data: TrainingData = { train: toyData(24, 40, 0), valid: toyData(4, 40, 1), vocabulary: { toy: true }, source: 'toy cycle' };
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-train-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

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
    const net = new LstmNetwork(loaded.config);
    net.setParameters(loaded.params);
    const nll = sequenceNll(net, data.valid.map((p) => Int32Array.from(p)));
    expect(nll.nll / nll.tokens).toBeCloseTo(result.bestValidationNll!, 4);
    const card = JSON.parse(readFileSync(path.join(outDir, 'card.json'), 'utf8')) as { epochs: number; validationNll: number; data: { source: string } };
    expect(card.data.source).toBe('toy cycle');
    expect(card.validationNll).toBeCloseTo(result.bestValidationNll!, 6);
  });

  it('is deterministic for a seed, and resuming an interrupted run reproduces the uninterrupted one', async () => {
    const settings = trainingSettingsSchema.parse({ seqLen: 8, batchSize: 6, learningRate: 0.01, epochs: 2, threads: 2, seed: 9, clipNorm: 1 });
    const model: ModelConfig = { ...config, dropout: 0.2 };
    const a = tempDir();
    const b = tempDir();
    await trainModel({ data, model, settings, outDir: a });
    await trainModel({ data, model, settings, outDir: b });
    const weightsA = readFileSync(path.join(a, 'checkpoint', 'params.bin'));
    expect(weightsA.equals(readFileSync(path.join(b, 'checkpoint', 'params.bin')))).toBe(true);

    const c = tempDir();
    const controller = new AbortController();
    const first = await trainModel({
      data, model, settings, outDir: c, signal: controller.signal,
      onProgress: (p) => { if (p.epoch === 1 && p.batch >= 3) controller.abort(); },
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
    await trainModel({ data, model: config, settings, outDir: dir, signal: controller.signal, onProgress: (p) => { if (p.batch >= 2) controller.abort(); } });
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
