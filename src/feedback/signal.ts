/**
 * From reactions to a training signal: one score per rated piece.
 *
 * - Each configured emoji has a weight (`RATING_EMOJIS`, e.g. 👍=1, 👎=-1, ❤️=2); others count 0.
 * - One vote per user: a user's reactions on a piece add up but are clamped to ±(largest
 *   |weight|), so stacking 👍❤️🔥 is still one (strong) vote — the same rule as `topRated`.
 * - Recency: a reaction's weight halves every `halfLifeDays` (taste drifts; old votes fade).
 */
import { normalizeEmoji, type RatingWeights } from '../config/rating-emojis.js';
import type { Db } from '../db/index.js';

export const DEFAULT_HALF_LIFE_DAYS = 30;

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
  /** Sum over users of each user's clamped, decayed vote. */
  score: number;
  voters: number;
  /** Reactions that counted (configured emoji, not removed). */
  ratings: number;
}

export function decayFactor(ageMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) return 1;
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * 86_400_000));
}

/** Scores every piece that has stored tokens and at least one counted reaction. */
export async function pieceSignals(db: Db, options: SignalOptions): Promise<PieceSignal[]> {
  const weights = new Map([...options.weights].map(([emoji, weight]) => [normalizeEmoji(emoji), weight] as const));
  if (weights.size === 0) return [];
  const cap = Math.max(...[...weights.values()].map(Math.abs));
  const now = (options.now ?? new Date()).getTime();
  const halfLife = options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
  const excluded = new Set(options.excludeUserIds ?? []);
  const rows = await db.rating.findMany({
    where: {
      removedAt: null,
      emoji: { in: [...weights.keys()] },
      piece: { tokens: { not: null }, ...(options.guildId ? { guildId: options.guildId } : {}) },
    },
    select: { pieceId: true, userId: true, emoji: true, createdAt: true },
  });
  const perPieceUser = new Map<number, Map<string, number>>();
  const counted = new Map<number, number>();
  for (const row of rows) {
    if (excluded.has(row.userId)) continue;
    const vote = (weights.get(row.emoji) ?? 0) * decayFactor(now - row.createdAt.getTime(), halfLife);
    const users = perPieceUser.get(row.pieceId) ?? new Map<string, number>();
    users.set(row.userId, (users.get(row.userId) ?? 0) + vote);
    perPieceUser.set(row.pieceId, users);
    counted.set(row.pieceId, (counted.get(row.pieceId) ?? 0) + 1);
  }
  if (perPieceUser.size === 0) return [];
  const pieces = await db.piece.findMany({ where: { id: { in: [...perPieceUser.keys()] } }, select: { id: true, style: true, tokens: true, guildId: true } });
  return pieces
    .flatMap((piece) => {
      const users = perPieceUser.get(piece.id);
      if (!users || !piece.tokens) return [];
      let score = 0;
      for (const total of users.values()) score += Math.max(-cap, Math.min(cap, total));
      return [{ pieceId: piece.id, style: piece.style, tokens: tokensOf(piece.tokens), guildId: piece.guildId, score, voters: users.size, ratings: counted.get(piece.id) ?? 0 }];
    })
    .sort((a, b) => b.score - a.score || a.pieceId - b.pieceId);
}

function tokensOf(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokens = new Int32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < tokens.length; i++) tokens[i] = view.getInt32(i * 4, true);
  return tokens;
}
