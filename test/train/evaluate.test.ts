import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../src/datasets/spec.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import type { ModelConfig } from '../../src/model/config.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { referenceLoss } from '../../src/model/reference.js';
import { Rng } from '../../src/model/rng.js';
import { createPiece } from '../../src/music/piece.js';
import { encodePiece } from '../../src/music/tokens.js';
import type { TokenMask } from '../../src/model/sampler.js';
import { datasetSpecForModel, encodeDataset, evaluateSequences } from '../../src/train/evaluate-dataset.js';
import { sequenceNll } from '../../src/train/evaluate.js';
import { buildCorpus, buildWindows, fillBatch } from '../../src/train/windows.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const datasets = path.resolve(projectRoot, '../shared/datasets');

describe('sequence NLL', () => {
  it('equals the float64 reference loss of each whole sequence, across batch groupings', () => {
    const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6, 5], dropout: 0 };
    const net = new RecurrentNetwork(config);
    net.initialize(4);
    const rng = new Rng(5);
    const sequences = [11, 3, 7, 2, 9].map((n) => Int32Array.from({ length: n }, () => rng.int(9)));
    const byBatch = [1, 2, 16].map((batch) => sequenceNll(net, sequences, { batch }));
    sequences.forEach((seq, i) => {
      const T = seq.length - 1;
      const ref = referenceLoss(config, net.getParameters(), seq.subarray(0, T), seq.subarray(1), 1, T).loss;
      for (const result of byBatch) expect(result.perSequence[i]!).toBeCloseTo(ref, 4);
    });
    expect(byBatch[0]!.tokens).toBe(sequences.reduce((s, q) => s + q.length - 1, 0));
  });

  it('normalises per frame and per token', () => {
    const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6], dropout: 0 };
    const net = new RecurrentNetwork(config);
    net.initialize(1);
    const seqs = [
      { id: 'a', tokens: Int32Array.from([1, 2, 3, 4]), frames: 2 },
      { id: 'b', tokens: Int32Array.from([5, 6]), frames: 3 },
    ];
    const result = evaluateSequences(net, seqs);
    expect(result.tokens).toBe(4);
    expect(result.frames).toBe(5);
    expect(result.frame_nll * 5).toBeCloseTo(result.token_nll * 4, 8);
  });
});

describe('grammar-masked NLL', () => {
  const vocabulary = DEFAULT_VOCABULARY;
  const net = new RecurrentNetwork({ vocabSize: vocabulary.size, embedding: 8, layers: [12], dropout: 0 });
  net.initialize(3);
  const note = (pitch: number, start: number, duration: number) => ({ pitch, start, duration, velocity: 80 });
  const pieces = [
    [note(60, 0, 1), note(64, 0, 1), note(67, 1, 2)],
    [note(48, 0, 4), note(72, 2, 0.5), note(74, 2.5, 0.5)],
  ].map((notes) => Int32Array.from(encodePiece(createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes }]), { style: 'classical' })));
  const fixedMask = (allowed: (target: number) => Uint8Array, seq: Int32Array): TokenMask => {
    let pushed = 0;
    return {
      push: () => {
        pushed++;
      },
      allowed: () => allowed(seq[pushed]!),
    };
  };

  it('is the raw NLL when the mask allows everything, and zero when it allows only the truth', () => {
    const raw = sequenceNll(net, pieces);
    const open = sequenceNll(net, pieces, { mask: (i) => fixedMask(() => new Uint8Array(vocabulary.size).fill(1), pieces[i]!) });
    expect(open.nll).toBeCloseTo(raw.nll, 4); // float32 softmax sums to 1 within ~1e-7
    expect(open.unmaskedNll).toBeCloseTo(raw.nll, 6);
    const oracle = sequenceNll(net, pieces, {
      mask: (i) =>
        fixedMask((target) => {
          const a = new Uint8Array(vocabulary.size);
          a[target] = 1;
          return a;
        }, pieces[i]!),
    });
    expect(oracle.nll).toBeCloseTo(0, 6);
    expect(oracle.unmaskedNll).toBeCloseTo(raw.nll, 6);
  });

  it('with the token grammar, scores less than the raw softmax and reports both', () => {
    const result = evaluateSequences(
      net,
      pieces.map((tokens, i) => ({ id: String(i), tokens, frames: 4 })),
      { vocabulary, stepsPerQuarter: 4 },
    );
    expect(result.grammar_masked).toBe(true);
    expect(result.frame_nll).toBeLessThan(result.unmasked_frame_nll - 0.5);
    expect(result.unmasked_token_nll).toBeCloseTo(sequenceNll(net, pieces).nll / result.tokens, 6);
  });
});

describe('datasetSpecForModel', () => {
  const card = (datasets?: string[]) => ({ card: { data: { source: 'x', ...(datasets ? { datasets } : {}) } } as never });
  it('scores a model trained frame by frame on the chorales read frame by frame', () => {
    expect(datasetSpecForModel('jsb', card(['jsb-frames']))).toBe('jsb-frames');
    expect(datasetSpecForModel('nottingham', card(['jsb-frames']))).toBe('nottingham');
    expect(datasetSpecForModel('jsb', card(['jsb']))).toBe('jsb');
    expect(datasetSpecForModel('jsb', card())).toBe('jsb');
    expect(datasetSpecForModel('jsb', { card: null })).toBe('jsb');
  });
});

describe('training windows', () => {
  it('cuts pieces into next-token windows with padding', () => {
    const corpus = buildCorpus(
      [
        [1, 2, 3, 4, 5],
        [6, 7],
      ],
      false,
    );
    const windows = buildWindows(corpus, 3);
    expect(Array.from(windows.windowStart)).toEqual([0, 3, 5]);
    const inputs = new Int32Array(9);
    const targets = new Int32Array(9);
    const count = fillBatch(corpus, windows, [0, 1, 2], 3, inputs, targets);
    expect(Array.from(inputs)).toEqual([1, 2, 3, 4, 0, 0, 6, 0, 0]);
    expect(Array.from(targets)).toEqual([2, 3, 4, 5, -1, -1, 7, -1, -1]);
    expect(count).toBe(5);
  });
});

describe.skipIf(!existsSync(path.join(datasets, 'jsb-chorales')))('JSB evaluation data', () => {
  it('encodes the quarter-note test split with frame counts', async () => {
    const dataset = await openDataset('jsb', { root: datasets });
    const { sequences, skipped } = await encodeDataset(dataset, { split: 'test', vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4 });
    expect(skipped).toEqual([]);
    expect(sequences.length).toBe(77);
    for (const s of sequences) {
      expect(s.tokens[0]).toBe(DEFAULT_VOCABULARY.startId);
      expect(s.tokens[s.tokens.length - 1]).toBe(DEFAULT_VOCABULARY.endId);
      expect(s.frames).toBeGreaterThan(4);
    }
    // An untrained model is close to uniform: token NLL ≈ ln |V|.
    const net = new RecurrentNetwork({ vocabSize: DEFAULT_VOCABULARY.size, embedding: 8, layers: [16], dropout: 0 });
    net.initialize(1);
    const result = evaluateSequences(net, sequences.slice(0, 5));
    expect(Math.abs(result.token_nll - Math.log(DEFAULT_VOCABULARY.size))).toBeLessThan(0.5);
  });
});
