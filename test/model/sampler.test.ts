import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPiece } from '../../src/music/piece.js';
import { TokenStreamState } from '../../src/music/token-stream.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import type { ModelConfig } from '../../src/model/config.js';
import { Generator } from '../../src/model/generator.js';
import { saveModel } from '../../src/model/model-files.js';
import { AdamOptimizer, DEFAULT_ADAM } from '../../src/model/adam.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';
import { DEFAULT_SAMPLING_SEED, Sampler, sampleFrom } from '../../src/model/sampler.js';

describe('sampleFrom', () => {
  const probs = Float32Array.from([0.1, 0.5, 0.05, 0.3, 0.05]);
  it('is greedy at temperature 0 and with top-k 1', () => {
    expect(sampleFrom(probs, new Rng(1), { temperature: 0 }).id).toBe(1);
    for (let s = 0; s < 20; s++) expect(sampleFrom(probs, new Rng(s), { topK: 1 }).id).toBe(1);
  });
  it('keeps only the nucleus with top-p and respects the mask', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 200; s++) seen.add(sampleFrom(probs, new Rng(s), { topP: 0.75 }).id);
    expect([...seen].sort()).toEqual([1, 3]);
    const mask = Uint8Array.from([1, 0, 1, 0, 1]);
    for (let s = 0; s < 50; s++) expect([0, 2, 4]).toContain(sampleFrom(probs, new Rng(s), {}, mask).id);
    expect(sampleFrom(probs, new Rng(0), {}, new Uint8Array(5)).id).toBe(-1);
  });
  it('follows the distribution and sharpens it at low temperature', () => {
    const counts = (t: number): number[] => {
      const c = [0, 0, 0, 0, 0];
      const rng = new Rng(3);
      for (let i = 0; i < 4000; i++) c[sampleFrom(probs, rng, { temperature: t }).id]!++;
      return c;
    };
    const plain = counts(1);
    expect(plain[1]! / 4000).toBeGreaterThan(0.45);
    expect(plain[1]! / 4000).toBeLessThan(0.55);
    expect(counts(0.3)[1]! / 4000).toBeGreaterThan(0.8);
  });
});

describe('Sampler on a trained toy network', () => {
  // Cycle language 1..8 after a start token 0; the network is trained in-process for a few hundred steps.
  const config: ModelConfig = { vocabSize: 10, embedding: 8, layers: [32], dropout: 0 };
  const net = new RecurrentNetwork(config);
  beforeAll(() => {
    net.initialize(1);
    const B = 8;
    const T = 12;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const rng = new Rng(2);
    const adam = new AdamOptimizer(net, { ...DEFAULT_ADAM, learningRate: 0.02 });
    for (let step = 0; step < 300; step++) {
      for (let b = 0; b < B; b++) {
        const phase = rng.int(8);
        const seq = [0, ...Array.from({ length: T }, (_, i) => 1 + ((phase + i) % 8))];
        for (let t = 0; t < T; t++) {
          inputs[b * T + t] = seq[t]!;
          targets[b * T + t] = seq[t + 1]!;
        }
      }
      net.zeroGradients();
      net.runBatch(inputs, targets, B, T, { backward: true });
      adam.step(1 / (B * T), 5);
    }
  });

  it('continues a prefix, deterministically for a sampling seed, batched like single', () => {
    const sampler = new Sampler(net);
    const greedy = sampler.generate({ prefix: [0, 3, 4], maxTokens: 6, temperature: 0 });
    expect(greedy.tokens).toEqual([5, 6, 7, 8, 1, 2]);
    expect(greedy.reason).toBe('max-tokens');
    const a = sampler.generate({ prefix: [0, 6], maxTokens: 10, samplingSeed: 42, temperature: 1.5 });
    const b = sampler.generate({ prefix: [0, 6], maxTokens: 10, samplingSeed: 42, temperature: 1.5 });
    expect(a.tokens).toEqual(b.tokens);
    const batch = sampler.generateBatch([
      { prefix: [0, 6], maxTokens: 10, samplingSeed: 42, temperature: 1.5 },
      { prefix: [0, 1, 2, 3], maxTokens: 4, temperature: 0 },
    ]);
    expect(batch[0]!.tokens).toEqual(a.tokens);
    expect(batch[1]!.tokens).toEqual([4, 5, 6, 7]);
  });

  it('gives streams without a sampling seed distinct ones (1, 2, …), and different seeds different streams', () => {
    const sampler = new Sampler(net);
    const stream = { prefix: [0, 6], maxTokens: 20, temperature: 3 };
    const [first, second] = sampler.generateBatch([stream, stream]);
    expect(first!.tokens).not.toEqual(second!.tokens);
    expect(first!.tokens).toEqual(sampler.generate({ ...stream, samplingSeed: DEFAULT_SAMPLING_SEED }).tokens);
    expect(second!.tokens).toEqual(sampler.generate({ ...stream, samplingSeed: DEFAULT_SAMPLING_SEED + 1 }).tokens);
    expect(sampler.generate({ ...stream, samplingSeed: 1234 }).tokens).not.toEqual(sampler.generate({ ...stream, samplingSeed: 1235 }).tokens);
  });

  it('applies the mask hook and stops at the end token', () => {
    const sampler = new Sampler(net);
    const pushed: number[] = [];
    const odd = { allowed: () => Uint8Array.from({ length: 10 }, (_, i) => (i % 2 === 1 ? 1 : 0)), push: (id: number) => pushed.push(id) };
    const masked = sampler.generate({ prefix: [0, 3], maxTokens: 8, samplingSeed: 1, mask: odd });
    expect(masked.tokens.every((t) => t % 2 === 1)).toBe(true);
    expect(pushed).toEqual([0, 3, ...masked.tokens]);
    const ended = sampler.generate({ prefix: [0, 3], maxTokens: 8, temperature: 0, endToken: 6 });
    expect(ended.tokens).toEqual([4, 5, 6]);
    expect(ended.reason).toBe('end-token');
  });
});

describe('Generator with the token grammar', () => {
  const vocabulary = DEFAULT_VOCABULARY;
  const config: ModelConfig = { vocabSize: vocabulary.size, embedding: 8, layers: [16], dropout: 0 };
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-gen-'));
    const net = new RecurrentNetwork(config);
    net.initialize(5);
    await saveModel(dir, {
      config,
      params: net.getParameters(),
      vocabulary: vocabulary.toJSON(),
      card: {
        name: 'g',
        version: '1',
        parent: null,
        createdAt: '',
        data: { source: 'none', stepsPerQuarter: 4 },
        config: { model: config },
        epochs: 0,
        validationNll: null,
        trainingSeconds: 0,
        engine: 'test',
      },
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const prefix = [vocabulary.startId, vocabulary.styleId('folk')];

  it('keeps an untrained model’s stream well-formed and inside key, range and bar limits', async () => {
    const generator = await Generator.load(dir);
    const constraints = { pitchClasses: [0, 2, 4, 5, 7, 9, 11], minPitch: 60, maxPitch: 72 };
    const result = generator.generate({ prefix, maxTokens: 300, samplingSeed: 7, constraints, maxBars: 2 });
    const check = new TokenStreamState({ vocabulary, stepsPerQuarter: 4 });
    for (const id of [...prefix, ...result.tokens]) check.push(id); // throws on a grammar violation
    expect(check.bar).toBeLessThan(2);
    const pitches = result.tokens.filter((id) => vocabulary.kind(id) === 'pitch').map((id) => id - vocabulary.first('pitch'));
    for (const p of pitches) {
      expect(p).toBeGreaterThanOrEqual(60);
      expect(p).toBeLessThanOrEqual(72);
      expect(constraints.pitchClasses).toContain(p % 12);
    }
    expect(result.tokens.length).toBeGreaterThan(0);
  });

  it('continues a seed piece from its encoding and stops at a length in seconds', async () => {
    const generator = await Generator.load(dir);
    const seedNotes = createPiece(
      [{ name: 'melody', program: 0, isDrum: false, notes: [60, 62, 64, 65].map((pitch, i) => ({ pitch, start: i, duration: 1, velocity: 80 })) }],
      { bpm: 120 },
    );
    const seedPrefix = generator.prefixFromPiece(seedNotes, 'folk');
    expect(seedPrefix[0]).toBe(vocabulary.startId);
    expect(seedPrefix).not.toContain(vocabulary.endId);
    const result = generator.generate({ prefix: seedPrefix, maxTokens: 400, samplingSeed: 3, maxSeconds: 4, bpm: 120, stopAtEnd: true });
    const check = new TokenStreamState({ vocabulary, stepsPerQuarter: 4 });
    for (const id of [...seedPrefix, ...result.tokens]) check.push(id);
    // 4 s at 120 bpm = 8 quarter notes.
    expect(check.time).toBeLessThan(8);
    expect(['max-quarters', 'end-token', 'max-tokens']).toContain(result.reason);
  });
});

describe('sampleFrom with preference weights', () => {
  it('multiplies the probabilities before drawing', async () => {
    const { sampleFrom } = await import('../../src/model/sampler.js');
    const { Rng } = await import('../../src/model/rng.js');
    const rng = new Rng(5);
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[sampleFrom([0.5, 0.5], rng, {}, undefined, undefined, Float32Array.from([1, 0.25])).id]!++;
    // 0.5 : 0.125 → 80 % : 20 %.
    expect(counts[0]! / 4000).toBeGreaterThan(0.77);
    expect(counts[0]! / 4000).toBeLessThan(0.83);
  });
});
