/**
 * From reactions to a training signal: one score per rated piece, by `scoreRatings` (the rule
 * /top uses too — see db/rating-score.ts), with the recency half-life switched on.
 */
import type { RatingWeights } from '../config/rating-emojis.js';
import type { Db } from '../db/index.js';
import { DEFAULT_HALF_LIFE_DAYS, scoreRatings, weightKeys } from '../db/rating-score.js';

export { DEFAULT_HALF_LIFE_DAYS, decayFactor } from '../db/rating-score.js';

export interface SignalOptions {
  weights: RatingWeights;
  /** Days after which a reaction counts half; 0 or Infinity = no decay. */
  halfLifeDays?: number;
  now?: Date;
  /** Only pieces of this guild (a guild's own taste variant). */
  guildId?: string;
  /** e.g. the bot itself, which adds the rating reactions. */
  excludeUserIds?: readonly string[];
}

export interface PieceSignal {
  pieceId: number;
  style: string;
  tokens: Int32Array;
  guildId: string | null;
  /** The model version that composed it (null when not recorded). */
  modelVersion?: string | null;
  /** Sum over users of each user's clamped, decayed vote. */
  score: number;
  voters: number;
  /** Reactions that counted (configured emoji, not removed). */
  ratings: number;
  /** Set when the piece is take A or B of a two-take request (src/db/takes.ts): the pair's pieces. */
  takePair?: { pieceA: number; pieceB: number };
}

/** Scores every piece that has stored tokens and at least one counted reaction. */
export async function pieceSignals(db: Db, options: SignalOptions): Promise<PieceSignal[]> {
  const weights = weightKeys(options.weights);
  if (weights.size === 0) return [];
  const rows = await db.rating.findMany({
    where: {
      removedAt: null,
      emoji: { in: [...weights.keys()] },
      piece: { tokens: { not: null }, ...(options.guildId ? { guildId: options.guildId } : {}) },
    },
    select: { pieceId: true, userId: true, emoji: true, createdAt: true },
  });
  const scores = scoreRatings(rows, {
    weights: options.weights,
    halfLifeDays: options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS,
    ...(options.now ? { now: options.now } : {}),
    ...(options.excludeUserIds ? { excludeUserIds: options.excludeUserIds } : {}),
  });
  if (scores.size === 0) return [];
  const pieces = await db.piece.findMany({
    where: { id: { in: [...scores.keys()] } },
    select: {
      id: true,
      style: true,
      tokens: true,
      guildId: true,
      modelVersion: true,
      takeA: { select: { pieceAId: true, pieceBId: true } },
      takeB: { select: { pieceAId: true, pieceBId: true } },
    },
  });
  return pieces
    .flatMap((piece) => {
      const scored = scores.get(piece.id);
      if (!scored || !piece.tokens) return [];
      const pair = piece.takeA ?? piece.takeB;
      return [
        {
          pieceId: piece.id,
          style: piece.style,
          tokens: tokensOf(piece.tokens),
          guildId: piece.guildId,
          modelVersion: piece.modelVersion,
          score: scored.score,
          voters: scored.voters,
          ratings: scored.ratings,
          ...(pair ? { takePair: { pieceA: pair.pieceAId, pieceB: pair.pieceBId } } : {}),
        },
      ];
    })
    .sort((a, b) => b.score - a.score || a.pieceId - b.pieceId);
}

function tokensOf(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokens = new Int32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < tokens.length; i++) tokens[i] = view.getInt32(i * 4, true);
  return tokens;
}
