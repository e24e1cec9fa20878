/**
 * The web gallery's reads and the one write (`/gallery on|off`). A server's pieces are public only
 * while it has opted in (Guild.galleryEnabled, off by default); playground pieces belong to the
 * web playground's own guild row and are public from the start. Everything here returns rows the
 * web edge then trims to what a page may show (no user ids, no paths).
 */
import type { RatingWeights } from '../config/rating-emojis.js';
import { ensureGuild, type Db, type Member } from './members.js';
import { toStoredPiece, type StoredPiece } from './pieces.js';
import { scoreRatings, weightKeys } from './rating-score.js';

/** The guild row that playground pieces (`rhythmix web`) belong to. */
export const WEB_PLAYGROUND_ID = 'web';

/** Opts a server in or out of the web gallery; creates its row on first sight. */
export async function setGalleryEnabled(db: Db, guild: Member, enabled: boolean): Promise<void> {
  await ensureGuild(db, guild);
  await db.guild.update({ where: { id: guild.id }, data: { galleryEnabled: enabled } });
}

export async function isGalleryEnabled(db: Db, guildId: string): Promise<boolean> {
  const row = await db.guild.findUnique({ where: { id: guildId }, select: { galleryEnabled: true } });
  return row?.galleryEnabled === true;
}

export interface GalleryGuild {
  readonly id: string;
  readonly name: string | null;
  readonly pieces: number;
}

/** The servers that opted in, with how many pieces each has, by name. */
export async function listGalleryGuilds(db: Db): Promise<GalleryGuild[]> {
  const rows = await db.guild.findMany({
    where: { galleryEnabled: true },
    select: { id: true, name: true, _count: { select: { pieces: true } } },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
  return rows.map((row) => ({ id: row.id, name: row.name, pieces: row._count.pieces }));
}

/** A piece a page may show: its guild opted in, or it was made in the playground. */
export async function isPublicPiece(db: Db, piece: Pick<StoredPiece, 'guildId'>): Promise<boolean> {
  if (piece.guildId === null) return false;
  return piece.guildId === WEB_PLAYGROUND_ID || isGalleryEnabled(db, piece.guildId);
}

export interface GalleryPiece {
  readonly piece: StoredPiece;
  /** The maker's display name as last seen (never the user id). */
  readonly makerName: string | null;
  readonly score: number;
  readonly voters: number;
}

export interface GalleryQuery {
  readonly guildId: string;
  readonly weights: RatingWeights;
  readonly style?: string;
  readonly key?: string;
  /** Only pieces composed at or after this time ("this week"). */
  readonly since?: Date;
  /** `top`: by score (then voters, newer); default newest first. */
  readonly sort?: 'new' | 'top';
  readonly limit?: number;
}

/** Pieces with their score, as many as `limit` (at most 200), of one guild, filtered. */
export async function galleryPieces(db: Db, query: GalleryQuery): Promise<GalleryPiece[]> {
  const limit = Math.max(1, Math.min(query.limit ?? 60, 200));
  const where = {
    guildId: query.guildId,
    ...(query.style ? { style: query.style } : {}),
    ...(query.key ? { key: query.key } : {}),
    ...(query.since ? { createdAt: { gte: query.since } } : {}),
  };
  // Top rated ranks every matching piece's score, so it reads them all (one guild's, filtered).
  const rows = await db.piece.findMany({
    where,
    include: { author: { select: { name: true } } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...(query.sort === 'top' ? {} : { take: limit }),
  });
  const scores = await scoresOf(
    db,
    rows.map((row) => row.id),
    query.weights,
  );
  const pieces = rows.map(({ author, ...row }) => {
    const score = scores.get(row.id);
    return { piece: toStoredPiece(row), makerName: author?.name ?? null, score: score?.score ?? 0, voters: score?.voters ?? 0 };
  });
  if (query.sort !== 'top') return pieces;
  return pieces
    .filter((p) => p.score > 0)
    .sort((a, b) => b.score - a.score || b.voters - a.voters || b.piece.createdAt.getTime() - a.piece.createdAt.getTime() || b.piece.id - a.piece.id)
    .slice(0, limit);
}

/** The rating scores of some pieces (the /top rule, src/db/rating-score.ts). */
export async function scoresOf(db: Db, pieceIds: readonly number[], weights: RatingWeights) {
  const keys = weightKeys(weights);
  if (pieceIds.length === 0 || keys.size === 0) return new Map<number, { score: number; voters: number }>();
  const rows = await db.rating.findMany({
    where: { pieceId: { in: [...pieceIds] }, removedAt: null, emoji: { in: [...keys.keys()] } },
    select: { pieceId: true, userId: true, emoji: true, createdAt: true },
  });
  return scoreRatings(rows, { weights });
}

/** Keys the guild's pieces are in, for the filter's choices. */
export async function galleryKeys(db: Db, guildId: string): Promise<string[]> {
  const rows = await db.piece.findMany({ where: { guildId, key: { not: null } }, select: { key: true }, distinct: ['key'], orderBy: { key: 'asc' } });
  return rows.flatMap((row) => (row.key ? [row.key] : []));
}

export interface LineageNode {
  readonly piece: GalleryPiece;
  /** Variations, continuations and re-rolls made from it in the same guild, oldest first. */
  readonly children: LineageNode[];
}

/** Most pieces one lineage tree shows (a chain beyond it is cut, deepest last). */
export const MAX_LINEAGE_PIECES = 200;

/**
 * The lineage tree `pieceId` belongs to, within its guild: up the parent links to the first
 * piece, then down every child. Pieces of other guilds (a playground variation of a gallery
 * piece) are not followed.
 */
export async function lineageTree(db: Db, pieceId: number, weights: RatingWeights): Promise<LineageNode | null> {
  interface Link {
    readonly id: number;
    readonly parentId: number | null;
    readonly guildId: string | null;
  }
  const link = (id: number): Promise<Link | null> => db.piece.findUnique({ where: { id }, select: { id: true, parentId: true, guildId: true } });
  let current = await link(pieceId);
  if (!current) return null;
  const guildId = current.guildId;
  const seen = new Set<number>([current.id]);
  while (current.parentId !== null) {
    const parent = await link(current.parentId);
    if (!parent || parent.guildId !== guildId || seen.has(parent.id)) break;
    seen.add(parent.id);
    current = parent;
  }
  const rootId = current.id;
  // Breadth first, one query per generation.
  const rows = new Map<number, Awaited<ReturnType<typeof pieceRows>>[number]>();
  let generation = await pieceRows(db, { id: rootId });
  while (generation.length > 0 && rows.size < MAX_LINEAGE_PIECES) {
    for (const row of generation) if (rows.size < MAX_LINEAGE_PIECES) rows.set(row.id, row);
    const ids = generation.map((row) => row.id);
    generation = (await pieceRows(db, { parentId: { in: ids }, guildId })).filter((row) => !rows.has(row.id));
  }
  const scores = await scoresOf(db, [...rows.keys()], weights);
  const nodes = new Map<number, LineageNode>();
  for (const { author, ...row } of rows.values()) {
    const score = scores.get(row.id);
    nodes.set(row.id, {
      piece: { piece: toStoredPiece(row), makerName: author?.name ?? null, score: score?.score ?? 0, voters: score?.voters ?? 0 },
      children: [],
    });
  }
  for (const node of nodes.values()) {
    const parentId = node.piece.piece.parentId;
    if (parentId !== null && node.piece.piece.id !== rootId) nodes.get(parentId)?.children.push(node);
  }
  return nodes.get(rootId) ?? null;
}

function pieceRows(db: Db, where: { id?: number; parentId?: { in: number[] }; guildId?: string | null }) {
  return db.piece.findMany({
    where,
    include: { author: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}
