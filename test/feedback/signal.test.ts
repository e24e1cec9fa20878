import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, openDatabase, removeRating, scoreRatings, topRated, type OpenedDatabase } from '../../src/db/index.js';
import { buildFineTuneData, copiesFor, pieceFraction, splitHeldOut } from '../../src/feedback/finetune-data.js';
import { decayFactor, pieceSignals } from '../../src/feedback/signal.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
const DAY = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
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

let dir: string;
let db: OpenedDatabase;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-signal-'));
  db = await openDatabase(`file:${path.join(dir, 'test.db')}`);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const users = ['u1', 'u2', 'u3', 'bot'].map((id) => ({ id }));
async function piece(pitch: number, guild = 'g1'): Promise<number> {
  return (await createPiece(db.prisma, { style: 'folk', tokens: stream(pitch), guild: { id: guild } })).id;
}
const rate = (pieceId: number, user: number, emoji: string, daysAgo = 0) =>
  addRating(db.prisma, { pieceId, user: users[user]!, emoji, at: new Date(now.getTime() - daysAgo * DAY) });

describe('pieceSignals', () => {
  it('weights emoji, counts one vote per user, ignores removed reactions, other emoji and excluded users', async () => {
    const a = await piece(60);
    await rate(a, 0, '👍');
    await rate(a, 0, '❤️');
    await rate(a, 0, '🔥'); // u1 stacks 1+2+2 = 5, capped at 2
    await rate(a, 1, '👎'); // u2: -1
    await rate(a, 2, '🎉'); // not configured
    await rate(a, 3, '❤️'); // the bot
    const b = await piece(62);
    await rate(b, 1, '❤️');
    await removeRating(db.prisma, { pieceId: b, user: users[1]!, emoji: '❤️' });
    await createPiece(db.prisma, { style: 'folk', guild: { id: 'g1' } }); // no tokens: cannot be learned from
    const signals = await pieceSignals(db.prisma, { weights, now, halfLifeDays: 0, excludeUserIds: ['bot'] });
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ pieceId: a, score: 1, voters: 2, ratings: 4 });
    expect(Array.from(signals[0]!.tokens)).toEqual(stream(60));
  });

  it('lets old reactions fade with the half-life, and filters by guild', async () => {
    const old = await piece(60);
    const fresh = await piece(64, 'g2');
    await rate(old, 0, '❤️', 30);
    await rate(fresh, 0, '👍', 0);
    const signals = await pieceSignals(db.prisma, { weights, now, halfLifeDays: 30 });
    expect(signals.find((s) => s.pieceId === old)!.score).toBeCloseTo(1, 6);
    expect(signals.find((s) => s.pieceId === fresh)!.score).toBeCloseTo(1, 6);
    expect(decayFactor(15 * DAY, 30)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(decayFactor(1000 * DAY, 0)).toBe(1);
    expect((await pieceSignals(db.prisma, { weights, now, guildId: 'g2' })).map((s) => s.pieceId)).toEqual([fresh]);
  });
});

describe('one rating score for /top and the retrain', () => {
  it('ranks and scores the same ratings identically (both come from scoreRatings)', async () => {
    const ids = await Promise.all([60, 62, 64, 65, 67].map((pitch) => piece(pitch)));
    const [a, b, c, d, e] = ids as [number, number, number, number, number];
    await rate(a, 0, '👍');
    await rate(a, 0, '❤️');
    await rate(a, 0, '🔥'); // stacked: one capped vote of 2
    await rate(a, 1, '👎');
    await rate(b, 0, '❤️');
    await rate(b, 1, '👍');
    await rate(b, 2, '👍', 40);
    await rate(c, 2, '\u2764'); // ❤ without U+FE0F is the same vote
    await rate(c, 3, '🔥'); // the bot
    await rate(d, 1, '👎');
    await rate(e, 0, '🎉'); // not configured
    const options = { weights, excludeUserIds: ['bot'] };
    const top = await topRated(db.prisma, { ...options, limit: 10, positiveOnly: false });
    const signals = await pieceSignals(db.prisma, { ...options, now, halfLifeDays: 0 });
    expect(top.map((t) => [t.piece.id, t.score, t.voters])).toEqual(signals.map((s) => [s.pieceId, s.score, s.voters]));
    expect(top.map((t) => [t.piece.id, t.score])).toEqual([
      [b, 4],
      [c, 2],
      [a, 1],
      [d, -1],
    ]);
    // The retrain only adds the recency decay on top of the same rule.
    const decayed = await pieceSignals(db.prisma, { ...options, now, halfLifeDays: 30 });
    const rows = (await db.prisma.rating.findMany({ where: { removedAt: null } })).map(({ pieceId, userId, emoji, createdAt }) => ({
      pieceId,
      userId,
      emoji,
      createdAt,
    }));
    const direct = scoreRatings(rows, { ...options, now, halfLifeDays: 30 });
    expect(decayed.map((s) => [s.pieceId, s.score])).toEqual(decayed.map((s) => [s.pieceId, direct.get(s.pieceId)!.score]));
  });
});

describe('buildFineTuneData', () => {
  const sig = (pieceId: number, score: number, tokens: number[]) => ({
    pieceId,
    style: 'folk',
    tokens: Int32Array.from(tokens),
    guildId: null,
    score,
    voters: 1,
    ratings: 2,
  });

  it('repeats liked pieces by score, keeps disliked and foreign ones out, and replays original data', () => {
    const original = Array.from({ length: 20 }, (_, i) => Int32Array.from(stream(50 + i)));
    const cut = stream(70).slice(0, -1); // cut off before <end>
    const data = buildFineTuneData([sig(1, 2.4, stream(60)), sig(2, 9, cut), sig(3, -1, stream(64)), sig(4, 0, stream(65)), sig(5, 3, [999, 1, 2])], original, {
      vocabulary: v,
      maxCopies: 4,
      replayRatio: 0.5,
      seed: 1,
    });
    expect(data).toMatchObject({ likedPieces: 2, dislikedPieces: 2, skippedPieces: 1, feedbackTokens: 2 * 7 + 4 * 7, ratingsUsed: 8 });
    const feedback = data.train.slice(0, 6).map((t) => Array.from(t));
    expect(feedback).toEqual([stream(60), stream(60), stream(70), stream(70), stream(70), stream(70)]);
    expect(data.replayTokens).toBeGreaterThanOrEqual(data.feedbackTokens);
    expect(data.replayTokens).toBeLessThan(data.feedbackTokens + 7);
    expect(data.train).toHaveLength(6 + data.replayPieces);
    expect(copiesFor(0.4, 4)).toBe(1);
    expect(copiesFor(-3, 4)).toBe(0);
  });

  it('replays nothing when there is nothing liked', () => {
    const data = buildFineTuneData([sig(1, -2, stream(60))], [Int32Array.from(stream(50))], { vocabulary: v, maxCopies: 4, replayRatio: 0.5, seed: 1 });
    expect(data.train).toHaveLength(0);
  });
});

describe('splitHeldOut', () => {
  const sig = (pieceId: number, score: number) => ({
    pieceId,
    style: 'folk',
    tokens: Int32Array.from(stream(60)),
    guildId: null,
    score,
    voters: 1,
    ratings: 1,
  });
  const rated = Array.from({ length: 200 }, (_, i) => sig(i + 1, i % 3 === 0 ? 1 : -1));

  it('holds out about the share of rated pieces, chosen by id so each round holds out the same ones', () => {
    const { fit, heldOut } = splitHeldOut(rated, 0.25);
    expect(fit.length + heldOut.length).toBe(200);
    expect(heldOut.length).toBeGreaterThan(30);
    expect(heldOut.length).toBeLessThan(70);
    expect(heldOut.every((s) => pieceFraction(s.pieceId) < 0.25)).toBe(true);
    // A later round rates more pieces: the earlier held-out ones stay held out, none moves into training.
    const later = splitHeldOut([...rated, ...Array.from({ length: 50 }, (_, i) => sig(201 + i, 1))], 0.25);
    expect(later.heldOut.map((s) => s.pieceId).slice(0, heldOut.length)).toEqual(heldOut.map((s) => s.pieceId));
    expect(later.fit.some((s) => heldOut.some((h) => h.pieceId === s.pieceId))).toBe(false);
  });

  it('holds out nothing at share 0, or when a side would lose its liked or disliked pieces', () => {
    expect(splitHeldOut(rated, 0).heldOut).toHaveLength(0);
    // One liked piece: training needs it (and the held-out measure would need one too).
    const oneLiked = [sig(1, 1), ...Array.from({ length: 30 }, (_, i) => sig(i + 2, -1))];
    expect(splitHeldOut(oneLiked, 0.5)).toEqual({ fit: oneLiked, heldOut: [] });
    // Unrated (score 0) pieces are never held out.
    const split = splitHeldOut([...rated, ...Array.from({ length: 20 }, (_, i) => sig(300 + i, 0))], 0.5);
    expect(split.heldOut.every((s) => s.score !== 0)).toBe(true);
  });
});
