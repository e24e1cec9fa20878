import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../src/datasets/spec.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import type { ModelConfig } from '../../src/model/config.js';
import { LstmNetwork } from '../../src/model/network.js';
import { referenceLoss } from '../../src/model/reference.js';
import { Rng } from '../../src/model/rng.js';
import { encodeDataset, evaluateSequences } from '../../src/train/evaluate-dataset.js';
import { sequenceNll } from '../../src/train/evaluate.js';
import { buildCorpus, buildWindows, fillBatch } from '../../src/train/windows.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const datasets = path.resolve(projectRoot, '../shared/datasets');

describe('sequence NLL', () => {
  it('equals the float64 reference loss of each whole sequence, across batch groupings', () => {
    const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6, 5], dropout: 0 };
    const net = new LstmNetwork(config);
    net.initialize(4);
    const rng = new Rng(5);
    const sequences = [11, 3, 7, 2, 9].map((n) => Int32Array.from({ length: n }, () => rng.int(9)));
    const byBatch = [1, 2, 16].map((batch) => sequenceNll(net, sequences, batch));
    sequences.forEach((seq, i) => {
      const T = seq.length - 1;
      const ref = referenceLoss(config, net.getParameters(), seq.subarray(0, T), seq.subarray(1), 1, T).loss;
      for (const result of byBatch) expect(result.perSequence[i]!).toBeCloseTo(ref, 4);
    });
    expect(byBatch[0]!.tokens).toBe(sequences.reduce((s, q) => s + q.length - 1, 0));
  });

  it('normalises per frame and per token', () => {
    const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6], dropout: 0 };
    const net = new LstmNetwork(config);
    net.initialize(1);
    const seqs = [{ id: 'a', tokens: Int32Array.from([1, 2, 3, 4]), frames: 2 }, { id: 'b', tokens: Int32Array.from([5, 6]), frames: 3 }];
    const result = evaluateSequences(net, seqs);
    expect(result.tokens).toBe(4);
    expect(result.frames).toBe(5);
    expect(result.frame_nll * 5).toBeCloseTo(result.token_nll * 4, 8);
  });
});

describe('training windows', () => {
  it('cuts pieces into next-token windows with padding', () => {
    const corpus = buildCorpus([[1, 2, 3, 4, 5], [6, 7]], false);
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
    const net = new LstmNetwork({ vocabSize: DEFAULT_VOCABULARY.size, embedding: 8, layers: [16], dropout: 0 });
    net.initialize(1);
    const result = evaluateSequences(net, sequences.slice(0, 5));
    expect(Math.abs(result.token_nll - Math.log(DEFAULT_VOCABULARY.size))).toBeLessThan(0.5);
  });
});
