/**
 * The one definition of a rating score, shared by /top (db/ratings.ts) and the retrain's
 * training signal (feedback/signal.ts). Pure — callers fetch the rows, this scores them — so
 * the two can never disagree on a rule.
 *
 * - Each configured emoji has a weight (`RATING_EMOJIS`, e.g. 👍=1, 👎=-1, ❤️=2); others count 0.
 * - One vote per user: a user's reactions on a piece add up but are clamped to ±(largest
 *   |weight|), so stacking 👍❤️🔥 is still one (strong) vote.
 * - Recency (optional): a reaction's weight halves every `halfLifeDays` (taste drifts).
 */
import { normalizeEmoji, type RatingWeights } from '../config/rating-emojis.js';

/** The retrain's default half-life; /top does not decay. */
export const DEFAULT_HALF_LIFE_DAYS = 30;

/** A current (not removed) reaction, as stored. */
export interface RatingRow {
  readonly pieceId: number;
  readonly userId: string;
  readonly emoji: string;
  readonly createdAt: Date;
}

export interface ScoreOptions {
  weights: RatingWeights;
  /** Days after which a reaction counts half; omitted, 0 or Infinity = no decay. */
  halfLifeDays?: number;
  now?: Date;
  /** e.g. the bot itself, which adds the rating reactions. */
  excludeUserIds?: readonly string[];
}

export interface PieceScore {
  readonly pieceId: number;
  /** Sum over users of each user's clamped (and decayed) vote. */
  readonly score: number;
  /** Users whose reactions count (configured emoji). */
  readonly voters: number;
  /** Reactions that counted. */
  readonly ratings: number;
}

export function decayFactor(ageMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) return 1;
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * 86_400_000));
}

/** The normalised weights, for filtering the rows to fetch (`emoji IN keys`). */
export function weightKeys(weights: RatingWeights): Map<string, number> {
  return new Map([...weights].map(([emoji, weight]) => [normalizeEmoji(emoji), weight] as const));
}

/** Scores by piece; pieces with no counted reaction are absent. Rows may be unfiltered. */
export function scoreRatings(rows: Iterable<RatingRow>, options: ScoreOptions): Map<number, PieceScore> {
  const weights = weightKeys(options.weights);
  const scores = new Map<number, PieceScore>();
  if (weights.size === 0) return scores;
  const cap = Math.max(...[...weights.values()].map(Math.abs));
  const now = (options.now ?? new Date()).getTime();
  const halfLife = options.halfLifeDays ?? 0;
  const excluded = new Set(options.excludeUserIds ?? []);
  const perPieceUser = new Map<number, Map<string, number>>();
  const counted = new Map<number, number>();
  for (const row of rows) {
    const weight = weights.get(normalizeEmoji(row.emoji));
    if (weight === undefined || excluded.has(row.userId)) continue;
    const vote = weight * decayFactor(now - row.createdAt.getTime(), halfLife);
    const users = perPieceUser.get(row.pieceId) ?? new Map<string, number>();
    users.set(row.userId, (users.get(row.userId) ?? 0) + vote);
    perPieceUser.set(row.pieceId, users);
    counted.set(row.pieceId, (counted.get(row.pieceId) ?? 0) + 1);
  }
  for (const [pieceId, users] of perPieceUser) {
    let score = 0;
    for (const total of users.values()) score += Math.max(-cap, Math.min(cap, total));
    scores.set(pieceId, { pieceId, score, voters: users.size, ratings: counted.get(pieceId) ?? 0 });
  }
  return scores;
}
