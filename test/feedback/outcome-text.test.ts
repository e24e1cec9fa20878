/**
 * What people see after a retrain: the liked share per model version (from stored ratings), the
 * accepted announcement's measured figures, and /model's list with each version's NLL and liked
 * share next to its parent's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelListText } from '../../src/bot/commands/model.js';
import { outcomeMessage } from '../../src/bot/commands/retrain.js';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, openDatabase, removeRating, type OpenedDatabase } from '../../src/db/index.js';
import { formatShare, likedShareOf, likedSharesByVersion } from '../../src/feedback/liked-share.js';
import type { ModelListRow } from '../../src/feedback/model-rows.js';
import { changeSummary } from '../../src/feedback/outcome-text.js';
import type { RetrainOutcome } from '../../src/feedback/retrain.js';
import { announcement } from '../../src/feedback/service.js';
import type { PieceSignal } from '../../src/feedback/signal.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);

const outcome: RetrainOutcome = {
  status: 'accepted',
  version: 'v2',
  parent: 'v1',
  reason: 'validation NLL 1.0100 (+2.0 % vs 0.9902), sample statistics in range',
  runId: 1,
  activated: true,
  ratingsUsed: 30,
  likedPieces: 9,
  dislikedPieces: 15,
  referenceNll: 0.9902,
  parentNll: 1,
  candidateNll: 1.01,
  trainingSeconds: 3,
  parentLiked: { liked: 6, rated: 24 },
  preference: 0.05,
};

describe('liked share', () => {
  let dir: string;
  let db: OpenedDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-liked-'));
    db = await openDatabase(`file:${path.join(dir, 'test.db')}`);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts, per composing version, the rated pieces and the liked ones (one clamped vote per user, bot excluded)', async () => {
    const piece = async (modelVersion: string | undefined) =>
      (await createPiece(db.prisma, { style: 'folk', tokens: [1, 2, 3], guild: { id: 'g1' }, ...(modelVersion ? { modelVersion } : {}) })).id;
    const a = await piece('v1');
    const b = await piece('v1');
    const c = await piece('v1');
    const d = await piece('v2');
    const unknown = await piece(undefined);
    await addRating(db.prisma, { pieceId: a, user: { id: 'u1' }, emoji: '👍' });
    await addRating(db.prisma, { pieceId: a, user: { id: 'u2' }, emoji: '👎' }); // a: 0 — neither liked nor counted
    await addRating(db.prisma, { pieceId: b, user: { id: 'u1' }, emoji: '🔥' });
    await addRating(db.prisma, { pieceId: c, user: { id: 'u1' }, emoji: '👎' });
    await addRating(db.prisma, { pieceId: d, user: { id: 'bot' }, emoji: '👍' }); // the bot's own button
    await addRating(db.prisma, { pieceId: d, user: { id: 'u3' }, emoji: '👍' });
    await removeRating(db.prisma, { pieceId: d, user: { id: 'u3' }, emoji: '👍' });
    await addRating(db.prisma, { pieceId: unknown, user: { id: 'u1' }, emoji: '👍' });
    const shares = await likedSharesByVersion(db.prisma, { weights, excludeUserIds: ['bot'] });
    expect([...shares.entries()]).toEqual([['v1', { liked: 1, rated: 2 }]]);
    expect(formatShare(shares.get('v1')!)).toBe('50 % of 2 rated pieces');
  });

  it('of one version among a retrain’s signals', () => {
    const signal = (score: number, modelVersion: string | null): PieceSignal => ({
      pieceId: 1,
      style: 'folk',
      tokens: new Int32Array(),
      guildId: null,
      modelVersion,
      score,
      voters: 1,
      ratings: 1,
    });
    const signals = [signal(1, 'v1'), signal(-1, 'v1'), signal(2, 'v1'), signal(1, 'v0'), signal(0, 'v1')];
    expect(likedShareOf(signals, 'v1')).toEqual({ liked: 2, rated: 3 });
    expect(likedShareOf(signals, 'v9')).toBeNull();
  });
});

describe('what an accepted retrain says', () => {
  it('gives the held-out NLL before → after and the parent’s liked share', () => {
    expect(changeSummary(outcome)).toBe(
      "What changed: held-out NLL 1.000 → 1.010 (+1.0 %; +2.0 % vs the base, at most +5 % allowed); pieces liked before: 25 % of 24 rated pieces of v1; after: /model shows this version's share as you rate.",
    );
    expect(announcement(outcome)).toContain(changeSummary(outcome));
    expect(outcomeMessage(outcome)).toBe(`✅ **v2** accepted and now in use — fine-tuned from v1 on 9 liked piece(s), 30 rating(s). ${changeSummary(outcome)}`);
    expect(changeSummary({ ...outcome, parentLiked: null })).toMatch(/this version's liked share shows in \/model as you rate\.$/);
  });

  it('a rejected candidate says why', () => {
    const rejected = { ...outcome, status: 'rejected' as const, reason: 'validation NLL 1.0600 is 7.0 % worse than the reference 0.9902 (at most 5 %)' };
    expect(outcomeMessage(rejected)).toBe(`❌ **v2** rejected, v1 stays in use: ${rejected.reason}.`);
  });

  it('/model shows each version’s NLL and liked share beside its parent’s', () => {
    const row = (name: string, parent: string | null, extra: Partial<ModelListRow>): ModelListRow => ({
      name,
      status: parent ? 'accepted' : 'base',
      current: false,
      parent,
      validationNll: null,
      ratingsUsed: null,
      createdAt: null,
      reason: null,
      parentNll: null,
      liked: null,
      ...extra,
    });
    const text = modelListText([
      row('v1', null, { validationNll: 1, liked: { liked: 6, rated: 24 } }),
      row('v2', 'v1', { current: true, validationNll: 1.01, parentNll: 1, liked: { liked: 13, rated: 16 } }),
      row('v3', 'v2', { status: 'rejected', validationNll: 1.06, parentNll: 1.01, reason: 'validation NLL too high' }),
    ]);
    expect(text.split('\n')).toEqual([
      '• `v3` rejected · NLL 1.060 (parent 1.010) — validation NLL too high',
      '▶ `v2` accepted · NLL 1.010 (parent 1.000) · liked 81 % of 16 rated pieces (parent 25 % of 24 rated pieces)',
      '• `v1` base · NLL 1.000 · liked 25 % of 24 rated pieces',
      'Switch with `/model use:VERSION`.',
    ]);
  });
});
