/**
 * The share of a model version's rated pieces that were liked (score > 0 by the /top rule), the
 * figure an accepted retrain is announced with (its parent's share) and /model shows per version
 * as the new version's pieces get rated.
 */
import type { RatingWeights } from '../config/rating-emojis.js';
import type { Db } from '../db/index.js';
import { scoreRatings, weightKeys } from '../db/rating-score.js';
import type { PieceSignal } from './signal.js';

export interface LikedShare {
  liked: number;
  /** Pieces with a non-zero score. */
  rated: number;
}

export const shareOf = (s: LikedShare): number => (s.rated > 0 ? s.liked / s.rated : Number.NaN);

/** "25 % of 24 rated pieces". */
export function formatShare(s: LikedShare): string {
  return `${Math.round(shareOf(s) * 100)} % of ${s.rated} rated piece${s.rated === 1 ? '' : 's'}`;
}

function add(shares: Map<string, LikedShare>, version: string, score: number): void {
  if (score === 0) return;
  const share = shares.get(version) ?? { liked: 0, rated: 0 };
  share.rated++;
  if (score > 0) share.liked++;
  shares.set(version, share);
}

/** Liked share of one version's pieces among the retrain's signals (null when none of its pieces is rated). */
export function likedShareOf(signals: readonly PieceSignal[], version: string): LikedShare | null {
  const shares = new Map<string, LikedShare>();
  for (const s of signals) if (s.modelVersion === version) add(shares, version, s.score);
  return shares.get(version) ?? null;
}

/** Liked share per composing model version, from the stored ratings (no decay, like /top). */
export async function likedSharesByVersion(
  db: Db,
  options: { weights: RatingWeights; excludeUserIds?: readonly string[]; guildId?: string },
): Promise<Map<string, LikedShare>> {
  const weights = weightKeys(options.weights);
  const shares = new Map<string, LikedShare>();
  if (weights.size === 0) return shares;
  const rows = await db.rating.findMany({
    where: {
      removedAt: null,
      emoji: { in: [...weights.keys()] },
      piece: { modelVersion: { not: null }, ...(options.guildId ? { guildId: options.guildId } : {}) },
    },
    select: { pieceId: true, userId: true, emoji: true, createdAt: true, piece: { select: { modelVersion: true } } },
  });
  const versionOf = new Map(rows.map((r) => [r.pieceId, r.piece.modelVersion!]));
  const scores = scoreRatings(rows, {
    weights: options.weights,
    halfLifeDays: 0,
    ...(options.excludeUserIds ? { excludeUserIds: options.excludeUserIds } : {}),
  });
  for (const [pieceId, scored] of scores) add(shares, versionOf.get(pieceId)!, scored.score);
  return shares;
}
