/**
 * Token-level credit for DPO pairs: which tokens the ratings credit (a frame closed one note
 * early in the disliked pieces, nothing else), and that a masked pair's log-ratio and gradient
 * weights sit exactly on those tokens.
 */
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.js';
import type { BatchOptions, LanguageModel } from '../../src/model/language-model.js';
import { candidateSettingsSchema, fineTuneCandidate } from '../../src/feedback/fine-tune.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';
import { addDpoGradient, sequenceLogProbs } from '../../src/feedback/preference.js';
import { contextKeys, creditMask, pairMasks, timingTokensOf, tokenCreditTable, tokenKindsOf } from '../../src/feedback/token-credit.js';
import { Vocabulary } from '../../src/music/vocabulary.js';

// A toy token language: 0 start, 1–4 pitches (kind 1), 5 a position (kind 2).
const KINDS = [0, 1, 1, 1, 1, 2];
const START = 0;
const POS = 5;
// Which ids place notes in time (timingTokensOf): the position token.
const TIMING = [0, 0, 0, 0, 0, 1];

/** Frames of `notes[i]` pitches, each closed by a position token; pitches cycle 1…4. */
function piece(notes: number[]): Int32Array {
  const tokens = [START];
  let pitch = 0;
  for (const n of notes) {
    for (let k = 0; k < n; k++) tokens.push(1 + (pitch++ % 4));
    tokens.push(POS);
  }
  return Int32Array.from(tokens);
}

const full = (frames: number): number[] => Array.from({ length: frames }, () => 4);

describe('contextKeys', () => {
  it('takes the kinds back to the last token of the same kind, at most `context` back', () => {
    const seq = piece([3, 4]); // start p p p pos p p p p pos
    // The first position token: back to the start (no earlier position), kinds start p p p pos.
    expect(contextKeys(seq, 4, KINDS, 8)).toEqual(['t5', 'k0,1,1,1,2']);
    // The note after it: back to the previous note only — the short frame does not reach it.
    expect(contextKeys(seq, 5, KINDS, 8)).toEqual(['t4', 'k1,2,1']);
    // The second position token: back to the first.
    expect(contextKeys(seq, 9, KINDS, 8)).toEqual(['t5', 'k2,1,1,1,1,2']);
    // Capped at `context` tokens back.
    expect(contextKeys(seq, 9, KINDS, 2)).toEqual(['t5', 'k1,1,2']);
  });

  it('reads the kinds from a vocabulary', () => {
    const vocabulary = new Vocabulary();
    const kinds = tokenKindsOf(vocabulary);
    expect(kinds.length).toBe(vocabulary.size);
    expect(kinds[vocabulary.pitchId(60)]).toBe(kinds[vocabulary.pitchId(72)]);
    expect(kinds[vocabulary.pitchId(60)]).not.toBe(kinds[vocabulary.positionId(4)]);
  });
});

describe('creditMask', () => {
  // Liked pieces have every frame full; each disliked one closes one frame a note early.
  // Six of each: enough that an early close never seen among the liked ones is evidence (minExpected).
  const liked = Array.from({ length: 6 }, () => piece(full(6)));
  const disliked = [
    [4, 3, 4, 4, 4, 4],
    [4, 4, 4, 3, 4, 4],
    [4, 4, 3, 4, 4, 4],
    [4, 4, 4, 4, 3, 4],
    [4, 4, 4, 4, 4, 3],
    [4, 3, 4, 4, 4, 4],
  ].map(piece);
  const table = tokenCreditTable(liked, disliked, { kinds: KINDS, context: 8, threshold: 1 });

  it('credits exactly the position token that closed a frame early in a disliked piece', () => {
    for (const seq of disliked) {
      const mask = creditMask(table, seq, 'rejected', 1);
      const marked = [...mask.keys()].filter((t) => mask[t] === 1).map((t) => t + 1);
      // The early position token: after the short frame's third note.
      const frames = [];
      let count = 0;
      for (let t = 1; t < seq.length; t++) {
        if (seq[t] === POS) {
          frames.push({ t, count });
          count = 0;
        } else count++;
      }
      expect(marked).toEqual(frames.filter((f) => f.count === 3).map((f) => f.t));
    }
    expect(table.credit(disliked[0]!, 9)).toBeLessThan(-1);
  });

  it('counts a context only where the data could have shown it: one seen twice among three short pieces is chance', () => {
    // Two liked pieces close a frame after two notes (t = 8 in the second), the one disliked piece never does.
    const few = { liked: [piece([2, 4, 4, 4]), piece([4, 2, 4, 4]), piece([4, 4, 2, 4])], disliked: [piece([4, 4, 4, 4])] };
    const strict = tokenCreditTable(few.liked, few.disliked, { kinds: KINDS, context: 8, threshold: 1 });
    const lax = tokenCreditTable(few.liked, few.disliked, { kinds: KINDS, context: 8, threshold: 1, minExpected: 0 });
    const seq = few.liked[1]!;
    expect(seq[8]).toBe(POS);
    // 2 of 54 liked tokens against 0 of 20 disliked: pooled, the disliked side was expected to show it 0.54 times (< 2).
    expect(lax.credit(seq, 8) - strict.credit(seq, 8)).toBeCloseTo(Math.log(2.5 / 54) - Math.log(0.5 / 20), 6);
    // The position token itself (12 and 4 times) still counts.
    expect(strict.credit(seq, 8)).toBeCloseTo(Math.log(12.5 / 54) - Math.log(4.5 / 20), 6);
  });

  it('with a boost, weighs every token 1 and the credited ones 1 + boost', () => {
    const seq = disliked[0]!;
    const plain = creditMask(table, seq, 'rejected', 1);
    const boosted = creditMask(table, seq, 'rejected', 1, 4);
    expect([...boosted]).toEqual([...plain].map((w) => (w === 1 ? 5 : 1)));
    expect(boosted.filter((w) => w === 5).length).toBe(1);
  });

  it('credits only the tokens `creditable` allows: a position token is timing, a pitch is not', () => {
    const seq = disliked[0]!;
    const onTiming = creditMask(table, seq, 'rejected', 1, 4, TIMING);
    expect([...onTiming]).toEqual([...creditMask(table, seq, 'rejected', 1, 4)]);
    const onPitches = creditMask(table, seq, 'rejected', 1, 4, [0, 1, 1, 1, 1, 0]);
    expect([...onPitches].every((w) => w === 1)).toBe(true);
    const vocabulary = new Vocabulary();
    const timing = timingTokensOf(vocabulary);
    expect(timing[vocabulary.positionId(4)]).toBe(1);
    expect(timing[vocabulary.pitchId(60)]).toBe(0);
  });

  it('leaves a piece with nothing credited to its side out of its pair; a pair with nothing credited takes both pieces whole', () => {
    const likedMask = creditMask(table, liked[0]!, 'chosen', 1);
    expect(likedMask.length).toBe(liked[0]!.length - 1);
    expect([...likedMask].every((w) => w === 0)).toBe(true);
    const dislikedMask = creditMask(table, disliked[0]!, 'rejected', 1);
    // One side credited: the pair counts exactly the credited tokens.
    expect(pairMasks(likedMask, dislikedMask)).toEqual([likedMask, dislikedMask]);
    // Neither side: whole pieces.
    const [c, r] = pairMasks(likedMask, creditMask(table, liked[1]!, 'rejected', 1));
    expect([...c].every((w) => w === 1) && [...r].every((w) => w === 1)).toBe(true);
  });
});

/** A stand-in network: uniform probabilities; records the target weights of the backward pass. */
function recordingNet(vocabSize: number): { net: LanguageModel; weights: () => Float32Array; shape: () => [number, number] } {
  let recorded = new Float32Array();
  let shape: [number, number] = [0, 0];
  const net = {
    config: { vocabSize, embedding: 2, layers: [2], dropout: 0 },
    runBatch(_inputs: Int32Array, _targets: Int32Array, B: number, T: number, options: BatchOptions) {
      shape = [B, T];
      if (options.backward) recorded = Float32Array.from(options.targetWeights!);
      return { loss: 0, count: 0 };
    },
    lastProbabilities(B: number, T: number) {
      return new Float32Array(B * T * vocabSize).fill(1 / vocabSize);
    },
  };
  return { net: net as unknown as LanguageModel, weights: () => recorded, shape: () => shape };
}

describe('addDpoGradient with token masks', () => {
  it('takes the log-ratio and puts the gradient weight on the masked tokens only', () => {
    const V = 6;
    const { net, weights, shape } = recordingNet(V);
    const chosen = [piece([4, 4])];
    const rejected = [piece([4, 3])];
    const chosenMask = new Float32Array(chosen[0]!.length - 1).fill(1);
    const rejectedMask = new Float32Array(rejected[0]!.length - 1);
    rejectedMask[8] = 1; // the token at 9: the position that closed the short frame
    const terms = addDpoGradient(
      net,
      { chosen, rejected, referenceChosen: [0], referenceRejected: [0], chosenMasks: [chosenMask], rejectedMasks: [rejectedMask] },
      0.5,
    );
    // Uniform probabilities: log p is −log V per counted token (10 on the chosen side, 1 on the rejected).
    expect(terms.margins[0]).toBeCloseTo(0.5 * (-10 * Math.log(V) + Math.log(V)), 5);
    const [B, T] = shape();
    expect(B).toBe(2);
    const w = weights();
    const g = -terms.chosenGradients[0]!;
    for (let t = 0; t < T; t++) {
      expect(w[t]).toBeCloseTo(t < 10 ? g : 0, 7);
      expect(w[T + t]).toBeCloseTo(t === 8 ? -g : 0, 7);
    }
  });

  it('sums log p over the masked tokens only (the real network)', () => {
    const net = new RecurrentNetwork({ vocabSize: 6, embedding: 3, layers: [4], dropout: 0 });
    net.initialize(3);
    const rng = new Rng(4);
    const seq = Int32Array.from({ length: 9 }, () => rng.int(6));
    const all = sequenceLogProbs(net, [seq])[0]!;
    const firstHalf = Float32Array.from({ length: 8 }, (_, t) => (t < 4 ? 1 : 0));
    const secondHalf = Float32Array.from({ length: 8 }, (_, t) => (t < 4 ? 0 : 1));
    const a = sequenceLogProbs(net, [seq], 16, [firstHalf])[0]!;
    const b = sequenceLogProbs(net, [seq], 16, [secondHalf])[0]!;
    expect(a).toBeLessThan(0);
    expect(b).toBeLessThan(0);
    expect(a + b).toBeCloseTo(all, 5);
  });
});

describe('token credit in the fine-tune', () => {
  const config: ModelConfig = { vocabSize: 6, embedding: 4, layers: [8], dropout: 0 };
  const rng = new Rng(9);
  /** Frames of `notes[i]` random pitches, each closed by a position token. */
  const randomPiece = (notes: number[]): Int32Array => {
    const tokens = [START];
    for (const n of notes) {
      for (let k = 0; k < n; k++) tokens.push(1 + rng.int(4));
      tokens.push(POS);
    }
    return Int32Array.from(tokens);
  };
  /** One frame after the first closed a note early (the first frame's context also holds the start). */
  const shortFrame = (): number[] => {
    const notes = full(6);
    notes[1 + rng.int(5)] = 3;
    return notes;
  };
  const liked = Array.from({ length: 6 }, () => randomPiece(full(6)));
  const disliked = Array.from({ length: 6 }, () => randomPiece(shortFrame()));
  const probe = Array.from({ length: 6 }, () => randomPiece(shortFrame()));
  const train = [...liked, ...Array.from({ length: 6 }, () => randomPiece(shortFrame()))];

  /** Mean log p of the position tokens that close a frame after three notes (the rater's dislike). */
  const earlyCloseLogProb = (net: LanguageModel): number => {
    // Every early close of the probe, however rare its context (a first frame's has the start in it).
    const table = tokenCreditTable(liked, disliked, { kinds: KINDS, context: 8, threshold: 1, minExpected: 0 });
    const masks = probe.map((p) => creditMask(table, p, 'rejected', 1));
    const counts = masks.map((m) => m.reduce((s, w) => s + w, 0));
    return sequenceLogProbs(net, probe, 16, masks).reduce((s, x, i) => s + x / counts[i]!, 0) / probe.length;
  };

  const run = async (credit: 'sequence' | 'tokens' | 'boosted', timingTokens: number[] = TIMING) => {
    const net = new RecurrentNetwork(config);
    net.initialize(7);
    const parentParams = net.getParameters();
    const before = earlyCloseLogProb(net);
    const result = await fineTuneCandidate({
      config,
      parentParams,
      train,
      liked,
      disliked,
      tokenKinds: KINDS,
      timingTokens,
      valid: liked.slice(0, 2),
      referenceNll: 10,
      maxRegression: 100,
      settings: {
        ...candidateSettingsSchema.parse({ maxSteps: 40, dpoWeight: 4, credit }),
        epochs: 40,
        learningRate: 0.01,
        batchSize: 4,
        seqLen: 8,
        clipNorm: 5,
        seed: 1,
      },
    });
    net.setParameters(result.params);
    return earlyCloseLogProb(net) - before;
  };

  it('pushes down the credited token (an early-closed frame) further than whole-piece pairs do, boosted pairs in between', async () => {
    const sequence = await run('sequence');
    const tokens = await run('tokens');
    expect(tokens).toBeLessThan(0);
    expect(tokens).toBeLessThan(sequence - 0.2);
    // Whole pieces with the credited tokens weighing 5×: in between.
    const boosted = await run('boosted');
    expect(boosted).toBeLessThan(sequence);
    expect(boosted).toBeGreaterThan(tokens);
    // With only pitches counted as timing (the position token cannot be credited), the boosted pair is the whole-piece one.
    expect(await run('boosted', [0, 1, 1, 1, 1, 0])).toBeCloseTo(sequence, 6);
  });
});
