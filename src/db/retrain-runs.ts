/** Fine-tuning runs of the feedback loop: when, from which ratings, with what outcome. */
import type { RetrainRun as RetrainRunRow } from './generated/sqlite/client.js';
import { decodeJsonObject, encodeJsonObject, type JsonObject } from './encoding.js';
import { ensureGuild, type Db } from './members.js';

export const RETRAIN_STATUSES = ['running', 'accepted', 'rejected', 'failed'] as const;
export type RetrainStatus = (typeof RETRAIN_STATUSES)[number];

export interface StoredRetrainRun {
  readonly id: number;
  readonly guildId: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly status: RetrainStatus;
  readonly ratingsUsed: number;
  readonly baseModel: string | null;
  readonly candidate: string | null;
  readonly result: JsonObject | null;
}

function toStored(row: RetrainRunRow): StoredRetrainRun {
  return {
    ...row,
    status: (RETRAIN_STATUSES as readonly string[]).includes(row.status) ? (row.status as RetrainStatus) : 'failed',
    result: row.result === null ? null : decodeJsonObject(row.result),
  };
}

export async function startRetrainRun(
  db: Db,
  input: { guildId?: string | null; baseModel?: string | null; ratingsUsed?: number; at?: Date } = {},
): Promise<StoredRetrainRun> {
  if (input.guildId) await ensureGuild(db, { id: input.guildId });
  const row = await db.retrainRun.create({
    data: {
      guildId: input.guildId ?? null,
      baseModel: input.baseModel ?? null,
      ratingsUsed: input.ratingsUsed ?? 0,
      ...(input.at ? { startedAt: input.at } : {}),
    },
  });
  return toStored(row);
}

export async function finishRetrainRun(
  db: Db,
  id: number,
  outcome: { status: Exclude<RetrainStatus, 'running'>; candidate?: string | null; ratingsUsed?: number; result?: JsonObject; at?: Date },
): Promise<StoredRetrainRun> {
  const row = await db.retrainRun.update({
    where: { id },
    data: {
      status: outcome.status,
      finishedAt: outcome.at ?? new Date(),
      ...(outcome.candidate !== undefined ? { candidate: outcome.candidate } : {}),
      ...(outcome.ratingsUsed !== undefined ? { ratingsUsed: outcome.ratingsUsed } : {}),
      ...(outcome.result !== undefined ? { result: encodeJsonObject(outcome.result) } : {}),
    },
  });
  return toStored(row);
}

/**
 * Runs still `running` that started before `startedBefore` were interrupted (process killed);
 * mark them failed so they do not block or mislead. Returns how many.
 */
export async function failInterruptedRetrainRuns(db: Db, startedBefore: Date, reason = 'interrupted'): Promise<number> {
  const { count } = await db.retrainRun.updateMany({
    where: { status: 'running', startedAt: { lt: startedBefore } },
    data: { status: 'failed', finishedAt: new Date(), result: encodeJsonObject({ error: reason }) },
  });
  return count;
}

/** The latest run (optionally of one guild / one status), e.g. to count ratings since. */
export async function lastRetrainRun(db: Db, options: { guildId?: string | null; status?: RetrainStatus } = {}): Promise<StoredRetrainRun | null> {
  const row = await db.retrainRun.findFirst({
    where: { ...(options.guildId !== undefined ? { guildId: options.guildId } : {}), ...(options.status ? { status: options.status } : {}) },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
  });
  return row ? toStored(row) : null;
}

export async function listRetrainRuns(db: Db, limit = 20): Promise<StoredRetrainRun[]> {
  const rows = await db.retrainRun.findMany({ orderBy: [{ startedAt: 'desc' }, { id: 'desc' }], take: limit });
  return rows.map(toStored);
}
