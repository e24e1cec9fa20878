/**
 * Keeps the pieces folder within bounds (PIECES_MAX_AGE_DAYS, PIECES_MAX_MB): oldest pieces
 * first, a piece's renders — the Ogg audio and the PNG piano roll, nearly all of its bytes — are
 * deleted and their paths cleared in the database. Its MIDI, its seed file and its row stay, so
 * Variation, Continue and Re-roll keep working and the message's own attachments are untouched;
 * only Play answers that the audio is gone. Run at start and every few hours.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { listPiecesWithRenders, updatePiece, type Db } from '../db/index.js';
import type { Logger } from '../util/logger.js';
import { WORK_DIR_PREFIX } from './compose/job-request.js';

export interface RetentionPolicy {
  /** Renders older than this go; 0 = no age limit. */
  readonly maxAgeMs: number;
  /** While the folder holds more than this, the oldest renders go; 0 = no size limit. */
  readonly maxBytes: number;
}

export interface RetentionResult {
  /** Ids of the pieces whose renders were removed, oldest first. */
  readonly trimmed: number[];
  readonly bytesFreed: number;
  /** Bytes in the pieces folder afterwards. */
  readonly totalBytes: number;
}

/** How often the bot applies the policy after the start. */
export const RETENTION_INTERVAL_MS = 6 * 3_600_000;

/** Bytes of every file under `dir` (work folders of running jobs excluded). */
async function folderBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += entry.name.startsWith(WORK_DIR_PREFIX) ? 0 : await folderBytes(full);
    else if (entry.isFile()) total += (await stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function fileBytes(file: string | null): Promise<number> {
  return file ? (await stat(file).catch(() => ({ size: 0 }))).size : 0;
}

export async function applyRetention(db: Db, piecesDir: string, policy: RetentionPolicy, now: Date = new Date()): Promise<RetentionResult> {
  let totalBytes = await folderBytes(piecesDir);
  const trimmed: number[] = [];
  let bytesFreed = 0;
  if (policy.maxAgeMs <= 0 && policy.maxBytes <= 0) return { trimmed, bytesFreed, totalBytes };
  for (const piece of await listPiecesWithRenders(db)) {
    const tooOld = policy.maxAgeMs > 0 && now.getTime() - piece.createdAt.getTime() > policy.maxAgeMs;
    const tooBig = policy.maxBytes > 0 && totalBytes > policy.maxBytes;
    // Oldest first: once this one may stay, every newer one may too.
    if (!tooOld && !tooBig) break;
    const bytes = (await fileBytes(piece.audioPath)) + (await fileBytes(piece.imagePath));
    for (const file of [piece.audioPath, piece.imagePath]) if (file) await rm(file, { force: true });
    await updatePiece(db, piece.id, { audioPath: null, imagePath: null });
    totalBytes -= bytes;
    bytesFreed += bytes;
    trimmed.push(piece.id);
  }
  return { trimmed, bytesFreed, totalBytes };
}

/** Applies the policy now and every RETENTION_INTERVAL_MS; returns the stopper (it waits for a pass under way). */
export function startRetention(db: Db, piecesDir: string, policy: RetentionPolicy, logger: Logger, intervalMs = RETENTION_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= applyRetention(db, piecesDir, policy)
      .then((result) => {
        if (result.trimmed.length > 0)
          logger.info({ pieces: result.trimmed.length, bytesFreed: result.bytesFreed, totalBytes: result.totalBytes }, 'old renders removed');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not apply the pieces retention policy'))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
