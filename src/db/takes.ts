/**
 * Takes of one request (/compose takes:2) as pairs: take A and take B, the same options composed
 * with two sampling seeds and posted side by side. Each take is a piece of its own (rated, and
 * used by buttons, on its own); the pair says they answer the same request, so their ratings
 * compared are a preference (src/feedback/finetune-data.ts).
 */
import { InvalidInputError } from '../util/errors.js';
import type { TakePair } from './generated/sqlite/client.js';
import type { Db } from './members.js';

export type StoredTakePair = TakePair;

export interface NewTakePair {
  readonly pieceAId: number;
  readonly pieceBId: number;
}

/** Links two stored pieces as takes A and B of one request; a piece is a take of one pair at most. */
export async function createTakePair(db: Db, pair: NewTakePair): Promise<StoredTakePair> {
  if (pair.pieceAId === pair.pieceBId) throw new InvalidInputError(`piece ${pair.pieceAId} cannot be both takes of a pair`);
  const pieces = await db.piece.findMany({ where: { id: { in: [pair.pieceAId, pair.pieceBId] } }, select: { id: true } });
  for (const id of [pair.pieceAId, pair.pieceBId]) if (!pieces.some((p) => p.id === id)) throw new InvalidInputError(`piece ${id} does not exist`);
  const taken = await db.takePair.findFirst({
    where: { OR: [{ pieceAId: { in: [pair.pieceAId, pair.pieceBId] } }, { pieceBId: { in: [pair.pieceAId, pair.pieceBId] } }] },
  });
  if (taken) throw new InvalidInputError(`pieces ${taken.pieceAId} and ${taken.pieceBId} are already takes of one request`);
  return db.takePair.create({ data: { pieceAId: pair.pieceAId, pieceBId: pair.pieceBId } });
}

/** The pair a piece is a take of, and which take it is; null when it was composed alone. */
export async function takePairOf(db: Db, pieceId: number): Promise<{ pair: StoredTakePair; take: 'A' | 'B' } | null> {
  const pair = await db.takePair.findFirst({ where: { OR: [{ pieceAId: pieceId }, { pieceBId: pieceId }] } });
  return pair ? { pair, take: pair.pieceAId === pieceId ? 'A' : 'B' } : null;
}

/** Every pair, oldest first; with `guildId`, the pairs composed in that guild. */
export async function listTakePairs(db: Db, options: { guildId?: string } = {}): Promise<StoredTakePair[]> {
  return db.takePair.findMany({
    where: options.guildId ? { pieceA: { guildId: options.guildId } } : {},
    orderBy: { id: 'asc' },
  });
}
