/**
 * Composes accepted but not yet answered (PendingJob): written when a job is queued, deleted when
 * its user got an answer. What is left at start-up belongs to a bot that died; the recovery tells
 * those users and keeps the row, marked interrupted and without its token, as a "Try again" offer.
 */
import type { PendingJob as PendingJobRow } from './generated/sqlite/client.js';
import { decodeJsonObject, encodeJsonObject, type JsonObject } from './encoding.js';
import type { Db } from './members.js';

export interface NewPendingJob {
  readonly kind: string;
  /** What is needed to run the job again (the bot's compose request). */
  readonly request: JsonObject;
  readonly interactionId: string;
  /** The interaction's webhook token: a secret, never logged. */
  readonly interactionToken: string;
  readonly applicationId: string;
  readonly channelId: string;
  readonly guildId: string | null;
  readonly userId: string;
  readonly tokenExpiresAt: Date;
}

export interface StoredPendingJob extends Omit<NewPendingJob, 'interactionToken'> {
  readonly id: number;
  readonly interactionToken: string | null;
  readonly workDir: string | null;
  readonly createdAt: Date;
  readonly interruptedAt: Date | null;
}

function toStored(row: PendingJobRow): StoredPendingJob {
  return { ...row, request: decodeJsonObject(row.request) };
}

export async function createPendingJob(db: Db, job: NewPendingJob): Promise<StoredPendingJob> {
  return toStored(await db.pendingJob.create({ data: { ...job, request: encodeJsonObject(job.request) } }));
}

export async function setPendingJobWorkDir(db: Db, id: number, workDir: string): Promise<void> {
  await db.pendingJob.updateMany({ where: { id }, data: { workDir } });
}

export async function deletePendingJob(db: Db, id: number): Promise<void> {
  await db.pendingJob.deleteMany({ where: { id } });
}

/** Jobs a previous run of the bot accepted and never answered (not yet offered a retry). */
export async function listUnansweredJobs(db: Db): Promise<StoredPendingJob[]> {
  return (await db.pendingJob.findMany({ where: { interruptedAt: null }, orderBy: { id: 'asc' } })).map(toStored);
}

/**
 * Takes an unanswered job for the restart recovery: true for exactly one caller, so two bot
 * processes that both see it (a server moved to another shard) tell its user once.
 */
export async function claimUnansweredJob(db: Db, id: number, at: Date = new Date()): Promise<boolean> {
  return (await db.pendingJob.updateMany({ where: { id, interruptedAt: null }, data: { interruptedAt: at } })).count === 1;
}

/** The user was told: keep the request for "Try again", forget the token and the work folder. */
export async function markPendingJobInterrupted(db: Db, id: number, at: Date = new Date()): Promise<void> {
  await db.pendingJob.updateMany({ where: { id }, data: { interruptedAt: at, interactionToken: null, workDir: null } });
}

/**
 * Takes an interrupted job's request for a retry: the row is deleted, so a second press of the
 * same button finds nothing. Undefined when it is gone or was never interrupted.
 */
export async function claimInterruptedJob(db: Db, id: number): Promise<StoredPendingJob | undefined> {
  const row = await db.pendingJob.findFirst({ where: { id, interruptedAt: { not: null } } });
  if (!row) return undefined;
  const { count } = await db.pendingJob.deleteMany({ where: { id, interruptedAt: { not: null } } });
  return count === 1 ? toStored(row) : undefined;
}

/** Retry offers older than `before` are dropped (their buttons then say the request expired). */
export async function deleteInterruptedJobsBefore(db: Db, before: Date): Promise<number> {
  return (await db.pendingJob.deleteMany({ where: { interruptedAt: { lt: before } } })).count;
}
