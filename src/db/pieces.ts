/** Composed pieces and their lineage (variations, continuations and re-rolls of a parent). */
import { InvalidInputError } from '../util/errors.js';
import type { Piece as PieceRow, PrismaClient } from './generated/sqlite/client.js';
import { decodeJsonObject, decodeTokens, encodeJsonObject, encodeTokens, type JsonObject } from './encoding.js';
import { retryOnUniqueConflict } from './conflicts.js';
import { ensureGuild, ensureUser, type Db, type Member } from './members.js';

export const PIECE_KINDS = ['original', 'variation', 'continuation', 'reroll'] as const;
export type PieceKind = (typeof PIECE_KINDS)[number];

export interface StoredPiece {
  readonly id: number;
  readonly guildId: string | null;
  readonly authorId: string | null;
  readonly channelId: string | null;
  readonly messageId: string | null;
  /** Seed notes as seed notation (the `seed` option), when given as text; the column keeps its name. */
  readonly seed: string | null;
  /** Seed of the sampler the piece was composed with; null for pieces stored before it was recorded. */
  readonly samplingSeed: number | null;
  readonly parameters: JsonObject;
  readonly tokens: Int32Array | null;
  readonly style: string;
  readonly key: string | null;
  readonly tempo: number | null;
  readonly bars: number | null;
  readonly modelVersion: string | null;
  readonly midiPath: string | null;
  readonly audioPath: string | null;
  readonly imagePath: string | null;
  readonly kind: PieceKind;
  readonly parentId: number | null;
  readonly createdAt: Date;
}

/** Fields known after composing/rendering/posting; all optional so they can be filled in later. */
export interface PieceDetails {
  channelId?: string | null;
  messageId?: string | null;
  tokens?: ArrayLike<number> | null;
  key?: string | null;
  tempo?: number | null;
  bars?: number | null;
  modelVersion?: string | null;
  midiPath?: string | null;
  audioPath?: string | null;
  imagePath?: string | null;
  parameters?: JsonObject;
}

export interface NewPiece extends PieceDetails {
  style: string;
  /** Seed notation text (seed notes). */
  seed?: string | null;
  samplingSeed?: number | null;
  guild?: Member | null;
  author?: Member | null;
  /** Default `original`; any other kind needs `parentId`. */
  kind?: PieceKind;
  parentId?: number | null;
  createdAt?: Date;
}

export interface PieceWithLineage {
  readonly piece: StoredPiece;
  readonly parent: StoredPiece | null;
  /** Variations, continuations and re-rolls made from this piece, oldest first. */
  readonly children: StoredPiece[];
}

export function toStoredPiece(row: PieceRow): StoredPiece {
  const { parameters, tokens, kind, ...rest } = row;
  return {
    ...rest,
    parameters: decodeJsonObject(parameters),
    tokens: decodeTokens(tokens),
    kind: (PIECE_KINDS as readonly string[]).includes(kind) ? (kind as PieceKind) : 'original',
  };
}

function detailColumns(details: PieceDetails) {
  const { tokens, parameters, ...plain } = details;
  return {
    ...plain,
    ...(tokens === undefined ? {} : { tokens: tokens === null ? null : encodeTokens(tokens) }),
    ...(parameters === undefined ? {} : { parameters: encodeJsonObject(parameters) }),
  };
}

/** Stores a piece, creating its guild and author on first sight; all in one transaction. */
export async function createPiece(prisma: PrismaClient, input: NewPiece): Promise<StoredPiece> {
  const kind = input.kind ?? 'original';
  if (!(PIECE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidInputError(`piece kind "${kind}" is not one of ${PIECE_KINDS.join(', ')}`);
  }
  if (kind !== 'original' && input.parentId == null) throw new InvalidInputError(`a ${kind} needs the piece it was made from (parentId)`);
  const { guild, author, kind: _kind, parentId, style, seed, samplingSeed, createdAt, ...details } = input;
  return retryOnUniqueConflict(() =>
    prisma.$transaction(async (tx) => {
      if (parentId != null && !(await tx.piece.findUnique({ where: { id: parentId }, select: { id: true } }))) {
        throw new InvalidInputError(`piece ${parentId} does not exist`);
      }
      if (guild) await ensureGuild(tx, guild);
      if (author) await ensureUser(tx, author);
      const row = await tx.piece.create({
        data: {
          ...detailColumns(details),
          style,
          seed: seed ?? null,
          samplingSeed: samplingSeed ?? null,
          kind,
          parentId: parentId ?? null,
          guildId: guild?.id ?? null,
          authorId: author?.id ?? null,
          ...(createdAt ? { createdAt } : {}),
        },
      });
      return toStoredPiece(row);
    }),
  );
}

/** Fills in what became known later (files after rendering, message id after posting). */
export async function updatePiece(db: Db, id: number, details: PieceDetails): Promise<StoredPiece> {
  const row = await db.piece.update({ where: { id }, data: detailColumns(details) }).catch((error: unknown) => {
    throw notFound(error, id);
  });
  return toStoredPiece(row);
}

export async function getPiece(db: Db, id: number): Promise<StoredPiece | null> {
  const row = await db.piece.findUnique({ where: { id } });
  return row ? toStoredPiece(row) : null;
}

/** The piece a Discord message shows (reactions and buttons arrive with the message id). */
export async function getPieceByMessageId(db: Db, messageId: string): Promise<StoredPiece | null> {
  const row = await db.piece.findUnique({ where: { messageId } });
  return row ? toStoredPiece(row) : null;
}

export async function getPieceWithLineage(db: Db, id: number): Promise<PieceWithLineage | null> {
  const row = await db.piece.findUnique({
    where: { id },
    include: { parent: true, children: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
  });
  if (!row) return null;
  const { parent, children, ...piece } = row;
  return { piece: toStoredPiece(piece), parent: parent ? toStoredPiece(parent) : null, children: children.map(toStoredPiece) };
}

function notFound(error: unknown, id: number): unknown {
  const code = (error as { code?: unknown }).code;
  return code === 'P2025' ? new InvalidInputError(`piece ${id} does not exist`) : error;
}

export interface PostedPiece {
  readonly id: number;
  readonly channelId: string;
  readonly messageId: string;
  /** The server it was posted in (null: a DM); listed pieces carry it, so a shard can keep to its own. */
  readonly guildId?: string | null;
}

/** Pieces posted to Discord at or after `since`, newest first (what rating reconciliation re-reads). */
export async function listPostedPiecesSince(db: Db, since: Date, limit = 1000): Promise<PostedPiece[]> {
  const rows = await db.piece.findMany({
    where: { createdAt: { gte: since }, messageId: { not: null }, channelId: { not: null } },
    select: { id: true, channelId: true, messageId: true, guildId: true },
    orderBy: { id: 'desc' },
    take: limit,
  });
  return rows.flatMap((row) =>
    row.channelId && row.messageId ? [{ id: row.id, channelId: row.channelId, messageId: row.messageId, guildId: row.guildId }] : [],
  );
}

export interface PieceRenders {
  readonly id: number;
  readonly createdAt: Date;
  readonly audioPath: string | null;
  readonly imagePath: string | null;
}

/** Pieces that still have an audio or image file on record, oldest first (the retention's order). */
export async function listPiecesWithRenders(db: Db): Promise<PieceRenders[]> {
  return db.piece.findMany({
    where: { OR: [{ audioPath: { not: null } }, { imagePath: { not: null } }] },
    select: { id: true, createdAt: true, audioPath: true, imagePath: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}
