/**
 * Emoji ratings. One row per (piece, user, emoji); removing a reaction stamps `removedAt` and
 * adding it again clears it, so adds and removals are both on record and replaying Discord
 * events (gateway resumes, partial messages) changes nothing the second time.
 */
import { normalizeEmoji, type RatingWeights } from '../config/rating-emojis.js';
import { InvalidInputError } from '../util/errors.js';
import type { PrismaClient, Rating } from './generated/sqlite/client.js';
import { retryOnUniqueConflict } from './conflicts.js';
import { ensureUser, type Db, type Member } from './members.js';
import { toStoredPiece, type StoredPiece } from './pieces.js';
import { scoreRatings, weightKeys } from './rating-score.js';

export interface RatingEvent {
  pieceId: number;
  user: Member;
  emoji: string;
  /** When Discord reported it; default now. */
  at?: Date;
}

export interface RatingChange {
  /** False when the event was already recorded (replayed or duplicated). */
  readonly changed: boolean;
  readonly rating: Rating | null;
}

export async function addRating(prisma: PrismaClient, event: RatingEvent): Promise<RatingChange> {
  const emoji = checkedEmoji(event.emoji);
  const at = event.at ?? new Date();
  return retryOnUniqueConflict(() =>
    prisma.$transaction(async (tx) => {
      if (!(await tx.piece.findUnique({ where: { id: event.pieceId }, select: { id: true } }))) {
        throw new InvalidInputError(`piece ${event.pieceId} does not exist`);
      }
      await ensureUser(tx, event.user);
      const where = { pieceId_userId_emoji: { pieceId: event.pieceId, userId: event.user.id, emoji } };
      const existing = await tx.rating.findUnique({ where });
      if (existing && existing.removedAt === null) return { changed: false, rating: existing };
      const rating = existing
        ? await tx.rating.update({ where, data: { removedAt: null, createdAt: at } })
        : await tx.rating.create({ data: { pieceId: event.pieceId, userId: event.user.id, emoji, createdAt: at } });
      return { changed: true, rating };
    }),
  );
}

/** Marks the reaction removed; unknown or already-removed reactions change nothing. */
export async function removeRating(db: Db, event: RatingEvent): Promise<RatingChange> {
  const emoji = checkedEmoji(event.emoji);
  const where = { pieceId: event.pieceId, userId: event.user.id, emoji, removedAt: null };
  const { count } = await db.rating.updateMany({ where, data: { removedAt: event.at ?? new Date() } });
  const rating = await db.rating.findUnique({ where: { pieceId_userId_emoji: { pieceId: event.pieceId, userId: event.user.id, emoji } } });
  return { changed: count > 0, rating };
}

export interface ReactionSnapshot {
  pieceId: number;
  /** The rating emojis the snapshot covers (normalised keys); others are left alone. */
  emojis: readonly string[];
  /** Who reacts with each covered emoji now, as Discord lists them; a missing emoji means nobody. */
  reactors: ReadonlyMap<string, readonly Member[]>;
  at?: Date;
}

export interface Reconciliation {
  readonly added: number;
  readonly removed: number;
}

/**
 * Makes a piece's stored ratings equal a snapshot of its reactions, in one transaction: reactions
 * missing from the database are added, stored ones Discord no longer shows are marked removed.
 * Events lost while the bot was down, or applied out of order, end up as Discord has them.
 */
export async function reconcileRatings(prisma: PrismaClient, snapshot: ReactionSnapshot): Promise<Reconciliation> {
  const emojis = snapshot.emojis.map(checkedEmoji);
  const at = snapshot.at ?? new Date();
  const wanted = new Map<string, Member>();
  for (const [emoji, members] of snapshot.reactors) {
    for (const member of members) wanted.set(`${checkedEmoji(emoji)}\u0000${member.id}`, member);
  }
  return retryOnUniqueConflict(() =>
    prisma.$transaction(async (tx) => {
      const stored = await tx.rating.findMany({ where: { pieceId: snapshot.pieceId, emoji: { in: emojis } } });
      const active = new Set(stored.filter((row) => row.removedAt === null).map((row) => `${row.emoji}\u0000${row.userId}`));
      let added = 0;
      let removed = 0;
      for (const row of stored) {
        if (row.removedAt === null && !wanted.has(`${row.emoji}\u0000${row.userId}`)) {
          await tx.rating.update({ where: { id: row.id }, data: { removedAt: at } });
          removed++;
        }
      }
      for (const [key, member] of wanted) {
        if (active.has(key)) continue;
        const emoji = key.slice(0, key.indexOf('\u0000'));
        await ensureUser(tx, member);
        await tx.rating.upsert({
          where: { pieceId_userId_emoji: { pieceId: snapshot.pieceId, userId: member.id, emoji } },
          update: { removedAt: null, createdAt: at },
          create: { pieceId: snapshot.pieceId, userId: member.id, emoji, createdAt: at },
        });
        added++;
      }
      return { added, removed };
    }),
  );
}

export async function listRatings(db: Db, pieceId: number, options: { includeRemoved?: boolean } = {}): Promise<Rating[]> {
  return db.rating.findMany({
    where: { pieceId, ...(options.includeRemoved ? {} : { removedAt: null }) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Current reaction counts on a piece, by normalised emoji. */
export async function ratingCounts(db: Db, pieceId: number): Promise<Map<string, number>> {
  const groups = await db.rating.groupBy({ by: ['emoji'], where: { pieceId, removedAt: null }, _count: { _all: true } });
  return new Map(groups.map((g) => [g.emoji, g._count._all]));
}

/** Ratings added, re-added or removed after `since` — "enough new ratings" for a retrain. */
export async function countRatingChangesSince(db: Db, since: Date, options: { guildId?: string } = {}): Promise<number> {
  return db.rating.count({
    where: { updatedAt: { gt: since }, ...(options.guildId ? { piece: { guildId: options.guildId } } : {}) },
  });
}

export interface TopQuery {
  weights: RatingWeights;
  /** Only pieces composed at or after this time ("this week"); omit for all time. */
  since?: Date;
  guildId?: string;
  limit?: number;
  /** e.g. the bot's own user, which adds the rating reactions itself. */
  excludeUserIds?: readonly string[];
  /** Default true: only pieces with a positive score are "top". */
  positiveOnly?: boolean;
}

export interface ScoredPiece {
  readonly piece: StoredPiece;
  readonly score: number;
  /** Users whose reactions count (configured emoji, not removed). */
  readonly voters: number;
}

/**
 * Pieces by score, best first, scored by `scoreRatings` (the same rule as the retrain's signal,
 * without the recency decay). Only the rows that can count are fetched (configured emoji, not
 * removed, pieces in range), so "this week" reads just the recent pieces' reactions.
 * Ties: more voters, then newer.
 */
export async function topRated(db: Db, query: TopQuery): Promise<ScoredPiece[]> {
  const weights = weightKeys(query.weights);
  if (weights.size === 0) return [];
  const limit = Math.max(1, Math.min(query.limit ?? 10, 1000));
  const rows = await db.rating.findMany({
    where: {
      removedAt: null,
      emoji: { in: [...weights.keys()] },
      ...(query.excludeUserIds?.length ? { userId: { notIn: [...query.excludeUserIds] } } : {}),
      piece: { ...(query.since ? { createdAt: { gte: query.since } } : {}), ...(query.guildId ? { guildId: query.guildId } : {}) },
    },
    select: { pieceId: true, userId: true, emoji: true, createdAt: true, piece: { select: { createdAt: true } } },
  });
  const composedAt = new Map(rows.map((row) => [row.pieceId, row.piece.createdAt.getTime()]));
  const ranked = [...scoreRatings(rows, { weights: query.weights, ...(query.excludeUserIds ? { excludeUserIds: query.excludeUserIds } : {}) }).values()]
    .filter((s) => query.positiveOnly === false || s.score > 0)
    .sort((a, b) => b.score - a.score || b.voters - a.voters || (composedAt.get(b.pieceId) ?? 0) - (composedAt.get(a.pieceId) ?? 0) || b.pieceId - a.pieceId)
    .slice(0, limit);
  if (ranked.length === 0) return [];
  const pieces = new Map((await db.piece.findMany({ where: { id: { in: ranked.map((s) => s.pieceId) } } })).map((row) => [row.id, toStoredPiece(row)]));
  return ranked.flatMap(({ pieceId, score, voters }) => {
    const piece = pieces.get(pieceId);
    return piece ? [{ piece, score, voters }] : [];
  });
}

function checkedEmoji(emoji: string): string {
  const key = normalizeEmoji(emoji);
  if (key === '' || key.length > 100) throw new InvalidInputError(`"${emoji.slice(0, 20)}" is not an emoji`);
  return key;
}
