/**
 * The bot's pieces get their score.png after they are posted (docs/scaling.md, "Where a compose's
 * time goes"): the compose job writes piece.musicxml and hands back the MusicXML to engrave; the
 * engraving then runs on the score worker (src/app/score-job.ts, lowest CPU priority) while the
 * piece is already in the channel. The Score button waits for a piece's engraving under way, or
 * engraves it now when none is (the bot was restarted in between); `score:true` still engraves
 * inside the job, since its result message carries the score.
 */
import { existsSync } from 'node:fs';
import { runScoreJob, scoreWorkerPool } from '../../app/score-job.js';
import { scorePaths } from '../../app/piece-score.js';
import type { StoredPiece } from '../../db/pieces.js';
import type { WorkerPool } from '../../jobs/index.js';
import type { Logger } from '../../util/logger.js';

/** Longest an engraving may take (a 64-bar score takes about a second on a free core). */
const ENGRAVE_TIMEOUT_MS = 60_000;

type ScoredPiece = Pick<StoredPiece, 'id' | 'midiPath' | 'parameters'>;

export class ScoreEngraver {
  private readonly pending = new Map<number, Promise<void>>();
  private closing = false;

  constructor(
    private readonly logger: Logger,
    private readonly pool: WorkerPool = scoreWorkerPool(logger),
  ) {}

  /** Starts engraving `piece`'s score.png from `preview` (the compose's scorePreview); the caller does not wait. */
  start(piece: ScoredPiece, preview: string): void {
    void this.engrave(piece, preview); // never rejects: a failure is logged
  }

  /**
   * Resolves once `piece`'s score files are on disk, if they can be: its engraving under way, or a
   * new one from its piece.musicxml. False when it has no score (composed before scores existed, or
   * the files are gone) or the engraving failed.
   */
  async ready(piece: ScoredPiece): Promise<boolean> {
    const paths = scorePaths(piece);
    if (!paths || !existsSync(paths.musicxml)) return false;
    if (existsSync(paths.png)) return true;
    await (this.pending.get(piece.id) ?? this.engrave(piece, undefined));
    return existsSync(paths.png);
  }

  /** Stops the score worker; engravings under way end unfinished (the Score button engraves those again). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.pending.size > 0) this.logger.info({ scores: this.pending.size }, 'scores not engraved yet: the Score button engraves them when pressed');
    await this.pool.close();
  }

  private engrave(piece: ScoredPiece, preview: string | undefined): Promise<void> {
    const paths = scorePaths(piece);
    if (!paths) return Promise.resolve();
    const job = runScoreJob(
      this.pool,
      { ...(preview !== undefined ? { preview } : {}), musicxmlPath: paths.musicxml, imagePath: paths.png },
      { timeoutMs: ENGRAVE_TIMEOUT_MS },
    )
      .then(() => undefined)
      .catch((error: unknown) => {
        if (!this.closing) this.logger.warn({ err: error, piece: piece.id }, 'could not engrave the score');
      })
      .finally(() => this.pending.delete(piece.id));
    this.pending.set(piece.id, job);
    return job;
  }
}
