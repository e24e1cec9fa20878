/**
 * Two takes of one request as a preference pair for the feedback loop: the signal knows which
 * pieces are takes of one request, the pair is extracted where their scores differ (the better
 * take chosen), and the fine-tune steps on those pairs with DPO even where no piece is disliked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, createTakePair, openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { candidateSettingsSchema, fineTuneCandidate } from '../../src/feedback/fine-tune.js';
import { MIN_TAKE_SCORE_GAP, ratedPieces, takePreferencePairs } from '../../src/feedback/finetune-data.js';
import { sequenceLogProbs } from '../../src/feedback/preference.js';
import { pieceSignals } from '../../src/feedback/signal.js';
import type { ModelConfig } from '../../src/model/config.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
const DAY = 86_400_000;
const now = new Date('2026-12-05T12:00:00Z');
const v = DEFAULT_VOCABULARY;
const stream = (pitch: number): number[] => [
  v.startId,
  v.styleId('folk'),
  v.id('meter:4/4'),
  v.id('program:0'),
  v.id(`pitch:${pitch}`),
  v.id('dur:4'),
  v.endId,
];
const users = ['u1', 'u2', 'u3'].map((id) => ({ id }));

describe('take pairs in the signal', () => {
  let dir: string;
  let db: OpenedDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-take-pairs-'));
    db = await openDatabase(`file:${path.join(dir, 'test.db')}`);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Two takes of one request, stored and paired; their ids (A, B). */
  async function takes(pitchA: number, pitchB: number, tokensB: number[] = stream(pitchB)): Promise<[number, number]> {
    const a = await createPiece(db.prisma, { style: 'folk', tokens: stream(pitchA), guild: { id: 'g1' } });
    const b = await createPiece(db.prisma, { style: 'folk', tokens: tokensB, guild: { id: 'g1' } });
    await createTakePair(db.prisma, { pieceAId: a.id, pieceBId: b.id });
    return [a.id, b.id];
  }
  const rate = (pieceId: number, user: number, emoji: string, daysAgo = 0) =>
    addRating(db.prisma, { pieceId, user: users[user]!, emoji, at: new Date(now.getTime() - daysAgo * DAY) });
  const signals = () => pieceSignals(db.prisma, { weights, now });
  const pitchOf = (tokens: Int32Array) => v.name(tokens[4]!);

  it('pairs two takes rated apart, the better one chosen — also when both are liked, which liked × disliked pairs miss', async () => {
    const [a, b] = await takes(60, 62);
    await rate(a, 0, '👍');
    await rate(b, 0, '❤️');
    await rate(b, 1, '👍');
    const read = await signals();
    expect(read.map((s) => [s.pieceId, s.takePair])).toEqual([
      [b, { pieceA: a, pieceB: b }],
      [a, { pieceA: a, pieceB: b }],
    ]);
    const rated = ratedPieces(read, v);
    expect(rated.disliked).toEqual([]);
    expect(rated.takePairs.chosen.map(pitchOf)).toEqual(['pitch:62']);
    expect(rated.takePairs.rejected.map(pitchOf)).toEqual(['pitch:60']);
    // Closed with <end>, as every rated piece is.
    expect(rated.takePairs.chosen[0]!.at(-1)).toBe(v.endId);
  });

  it('leaves out a pair with a take nobody rated, equal scores, scores apart by recency alone, or a take in another language', async () => {
    const [lonely] = await takes(60, 61);
    await rate(lonely, 0, '👍');
    const [same1, same2] = await takes(62, 63);
    await rate(same1, 0, '👍');
    await rate(same2, 1, '👍');
    // The same vote ten days apart: decayed scores differ, by less than MIN_TAKE_SCORE_GAP.
    const [early, late] = await takes(64, 65);
    await rate(early, 0, '👍', 10);
    await rate(late, 0, '👍');
    const [, foreign] = await takes(66, 67, [1, 2, 3]);
    await rate(foreign - 1, 0, '❤️');
    await rate(foreign, 0, '👎');
    const read = await signals();
    const scores = new Map(read.map((s) => [s.pieceId, s.score]));
    expect(Math.abs(scores.get(late)! - scores.get(early)!)).toBeGreaterThan(0);
    expect(Math.abs(scores.get(late)! - scores.get(early)!)).toBeLessThan(MIN_TAKE_SCORE_GAP);
    expect(takePreferencePairs(read, v)).toEqual({ chosen: [], rejected: [] });
    // A liked and a disliked take count the moment both fit: 👎 on take B of a fitting pair.
    const [good, bad] = await takes(68, 69);
    await rate(good, 0, '🔥');
    await rate(bad, 0, '👎');
    const pairs = takePreferencePairs(await signals(), v);
    expect([pairs.chosen.map(pitchOf), pairs.rejected.map(pitchOf)]).toEqual([['pitch:68'], ['pitch:69']]);
  });
});

describe('take pairs in the fine-tune', () => {
  const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6], dropout: 0 };
  const rng = new Rng(5);
  const sequence = (from: number, to: number) => Int32Array.from({ length: 10 }, () => from + rng.int(to - from));
  // A toy taste: the chosen takes use the high tokens, the rejected ones the low tokens; all are "liked".
  const chosen = Array.from({ length: 4 }, () => sequence(5, 9));
  const rejected = Array.from({ length: 4 }, () => sequence(0, 5));
  const train = Array.from({ length: 8 }, () => sequence(0, 9));
  const valid = Array.from({ length: 4 }, () => sequence(0, 9));

  const run = async (takePairs?: { chosen: Int32Array[]; rejected: Int32Array[] }) => {
    const net = new RecurrentNetwork(config);
    net.initialize(3);
    const parentParams = net.getParameters();
    const result = await fineTuneCandidate({
      config,
      parentParams,
      train,
      liked: [...chosen, ...rejected],
      disliked: [],
      ...(takePairs ? { takePairs } : {}),
      valid,
      referenceNll: 10,
      maxRegression: 100,
      settings: {
        ...candidateSettingsSchema.parse({ maxSteps: 30, dpoWeight: 4 }),
        epochs: 30,
        learningRate: 0.01,
        batchSize: 4,
        seqLen: 8,
        clipNorm: 5,
        seed: 1,
      },
    });
    net.setParameters(result.params);
    const margin = (logps: Float64Array, base: Float64Array) => logps.reduce((s, x, i) => s + x - base[i]!, 0) / logps.length;
    const parent = new RecurrentNetwork(config);
    parent.setParameters(parentParams);
    const gain =
      margin(sequenceLogProbs(net, chosen), sequenceLogProbs(parent, chosen)) - margin(sequenceLogProbs(net, rejected), sequenceLogProbs(parent, rejected));
    return { pairAccuracy: result.pairAccuracy, gain };
  };

  it('steps on the take pairs with DPO even when nothing is disliked, raising the chosen takes over the rejected ones', async () => {
    const without = await run();
    const withPairs = await run({ chosen, rejected });
    expect(without.pairAccuracy).toBeNull(); // no disliked piece: no liked × disliked pairs
    expect(withPairs.pairAccuracy).not.toBeNull();
    expect(withPairs.gain).toBeGreaterThan(without.gain + 0.5);
  });
});
