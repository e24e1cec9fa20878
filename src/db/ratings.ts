/**
 * Emoji ratings. One row per (piece, user, emoji); removing a reaction stamps `removedAt` and
 * adding it again clears it, so adds and removals are both on record and replaying Discord
 * events (gateway resumes, partial messages) changes nothing the second time.
 */
import { normalizeEmoji, type RatingWeights } from '../config/rating-emojis.js';
import { InvalidInputError } from '../util/errors.js';
import { Prisma, type PrismaClient, type Rating } from './generated/client.js';
import { ensureUser, type Db, type Member } from './members.js';
import { toStoredPiece, type StoredPiece } from './pieces.js';

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
  return prisma.$transaction(async (tx) => {
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
  });
}

/** Marks the reaction removed; unknown or already-removed reactions change nothing. */
export async function removeRating(db: Db, event: RatingEvent): Promise<RatingChange> {
  const emoji = checkedEmoji(event.emoji);
  const where = { pieceId: event.pieceId, userId: event.user.id, emoji, removedAt: null };
  const { count } = await db.rating.updateMany({ where, data: { removedAt: event.at ?? new Date() } });
  const rating = await db.rating.findUnique({ where: { pieceId_userId_emoji: { pieceId: event.pieceId, userId: event.user.id, emoji } } });
  return { changed: count > 0, rating };
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
 * Pieces by score, best first. A user's reactions on one piece add up but are capped at the
 * largest configured |weight|, so one person stacking 👍❤️🔥 still counts as one vote; emoji not
 * in the configured set count zero. Ties: more voters, then newer.
 */
export async function topRated(db: Db, query: TopQuery): Promise<ScoredPiece[]> {
  const weights = [...query.weights].map(([emoji, weight]) => [normalizeEmoji(emoji), weight] as const);
  if (weights.length === 0) return [];
  const cap = Math.max(...weights.map(([, w]) => Math.abs(w)));
  const limit = Math.max(1, Math.min(query.limit ?? 10, 1000));
  const conditions = [Prisma.sql`1 = 1`];
  if (query.since) conditions.push(Prisma.sql`p."createdAt" >= ${query.since}`);
  if (query.guildId) conditions.push(Prisma.sql`p."guildId" = ${query.guildId}`);
  const excluded = query.excludeUserIds?.length ? Prisma.sql`AND r."userId" NOT IN (${Prisma.join([...query.excludeUserIds])})` : Prisma.empty;
  const having = query.positiveOnly === false ? Prisma.empty : Prisma.sql`HAVING score > 0`;
  const rows = await db.$queryRaw<Array<{ pieceId: bigint | number; score: bigint | number; voters: bigint | number }>>`
    WITH weights(emoji, weight) AS (VALUES ${Prisma.join(weights.map(([emoji, weight]) => Prisma.sql`(${emoji}, ${weight})`))}),
    per_user AS (
      SELECT r."pieceId" AS pieceId, SUM(w.weight) AS total
      FROM "Rating" r JOIN weights w ON w.emoji = r."emoji"
      WHERE r."removedAt" IS NULL ${excluded}
      GROUP BY r."pieceId", r."userId"
    )
    SELECT u.pieceId AS pieceId, SUM(MAX(${-cap}, MIN(${cap}, u.total))) AS score, COUNT(*) AS voters
    FROM per_user u JOIN "Piece" p ON p."id" = u.pieceId
    WHERE ${Prisma.join(conditions, ' AND ')}
    GROUP BY u.pieceId
    ${having}
    ORDER BY score DESC, voters DESC, MAX(p."createdAt") DESC, u.pieceId DESC
    LIMIT ${limit}`;
  if (rows.length === 0) return [];
  const ids = rows.map((row) => Number(row.pieceId));
  const pieces = new Map((await db.piece.findMany({ where: { id: { in: ids } } })).map((row) => [row.id, toStoredPiece(row)]));
  return rows.flatMap((row) => {
    const piece = pieces.get(Number(row.pieceId));
    return piece ? [{ piece, score: Number(row.score), voters: Number(row.voters) }] : [];
  });
}

function checkedEmoji(emoji: string): string {
  const key = normalizeEmoji(emoji);
  if (key === '' || key.length > 100) throw new InvalidInputError(`"${emoji.slice(0, 20)}" is not an emoji`);
  return key;
}
