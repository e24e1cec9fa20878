/**
 * The feedback loop inside the bot: a schedule (`RETRAIN_EVERY`: an interval, or a cron
 * expression via croner) that retrains once `RETRAIN_MIN_RATINGS` new ratings exist, `/retrain`
 * on demand, model listing and switching for `/model`. Each retrain runs in a low-priority child
 * process, so the bot keeps serving; an accepted version is switched to atomically (jobs load
 * the model at job start, so the next compose uses it — a hot swap without dropped requests)
 * and announced through the 'accepted' event.
 *
 *     const feedback = new FeedbackService({ db, config, excludeUserIds: [client.user.id] });
 *     feedback.on('accepted', (outcome) => channel.send(announcement(outcome)));
 *     feedback.start();  …  await feedback.stop();
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Cron } from 'croner';
import type { RatingWeights } from '../config/rating-emojis.js';
import type { RetrainSchedule } from '../config/retrain-schedule.js';
import { activeModelFor, lastRetrainRun, type OpenedDatabase } from '../db/index.js';
import { modelsDirectory } from '../model/model-files.js';
import { currentModelName, setCurrentModel, type CurrentPointer, type RegistryEntry } from '../model/registry.js';
import { existsSync } from 'node:fs';
import { errorMessage, RhythmixError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { likedSharesByVersion } from './liked-share.js';
import { modelRows, rowsFromEntries, type ModelListRow } from './model-rows.js';
import { changeSummary } from './outcome-text.js';
import { retrainInChild, type RetrainChildInput } from './retrain-child.js';
import type { FineTuneSettings, RetrainOutcome, RetrainProgress } from './retrain.js';
import { syncModelVersions } from './versions-db.js';

export interface FeedbackServiceOptions {
  db: OpenedDatabase;
  config: {
    ratingWeights: RatingWeights;
    retrain: { schedule: RetrainSchedule; minRatings: number };
  };
  modelsDir?: string;
  /** Reactions that are not votes (the bot's own rating buttons). */
  excludeUserIds?: readonly string[];
  data?: string[];
  settings?: Partial<FineTuneSettings>;
  /** A guild with this many new ratings gets its own variant on schedule; 0 = off (default). */
  guildMinRatings?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** False: the models folder here is not the registry (a cluster's bot: versions live in the store), so start() does not sync it. */
  syncsRegistry?: boolean;
  /**
   * Where the served versions live when not in `modelsDir` (a cluster's model store): `/model`
   * lists and switches those instead of this machine's folder.
   */
  registry?: VersionRegistry;
  /** How a retrain runs; default a niced child process (tests may run it in process). */
  runner?: (input: RetrainChildInput, options: { onProgress?: (p: RetrainProgress) => void; signal?: AbortSignal }) => Promise<RetrainOutcome>;
}

/** A registry of model versions other than the local models folder (src/cluster/store-registry.ts). */
export interface VersionRegistry {
  /** Every version with its card, oldest first; `current` marks the one serving. */
  list(): Promise<Array<Omit<RegistryEntry, 'dir'>>>;
  /** Makes `version` the serving one (refusing an unknown one, and a rejected one unless `force`). */
  use(version: string, options?: { force?: boolean }): Promise<CurrentPointer>;
}

export interface RetrainRequest {
  /** Who asked: 'schedule', or a user for /retrain. */
  trigger: string;
  guildId?: string;
  onProgress?: (progress: RetrainProgress) => void;
}

export interface FeedbackServiceEvents {
  accepted: [RetrainOutcome];
  rejected: [RetrainOutcome];
  switched: [CurrentPointer];
  error: [Error];
}

/** The line the bot posts in ANNOUNCE_CHANNEL_ID for a new version. */
export function announcement(outcome: RetrainOutcome): string {
  return `🎼 New model version **${outcome.version}**, fine-tuned from ${outcome.parent} on ${outcome.likedPieces} liked piece(s) and ${outcome.ratingsUsed} rating(s). ${changeSummary(outcome)} Thanks for rating!`;
}

export class FeedbackService extends EventEmitter<FeedbackServiceEvents> {
  private readonly options: FeedbackServiceOptions;
  private cron: Cron | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<RetrainOutcome> | undefined;
  private syncing: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(options: FeedbackServiceOptions) {
    super();
    this.options = options;
  }

  get modelsDir(): string {
    return this.options.modelsDir ?? modelsDirectory();
  }

  /** True when the versions listed and switched are another registry's (a cluster's model store), not `modelsDir`. */
  get listsStore(): boolean {
    return this.options.registry !== undefined;
  }

  /** True while a retrain runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts the schedule (if any; `schedule: false` leaves it to another process, e.g. shard 0's).
   * Runs a killed process left open are closed by the next retrain, under its lock (a CLI retrain
   * may be running right now).
   */
  start(options: { schedule?: boolean } = {}): void {
    // The ModelVersion table is derived from the disk registry: catch up with switches made
    // while the bot was down (CLI `model use`, a retrain killed before its sync).
    if (this.options.syncsRegistry !== false) this.syncing = this.syncRegistry();
    if (options.schedule === false) return;
    const schedule = this.options.config.retrain.schedule;
    const tick = (): void => void this.tick().catch((error: unknown) => this.report(error));
    if (schedule.kind === 'interval') {
      this.interval = setInterval(tick, schedule.ms);
      this.interval.unref();
    } else if (schedule.kind === 'cron') {
      this.cron = new Cron(schedule.expression, { protect: true, unref: true }, tick);
    }
  }

  /** Next scheduled check, or null when the schedule is off. */
  nextRun(): Date | null {
    if (this.cron) return this.cron.nextRun();
    const schedule = this.options.config.retrain.schedule;
    return schedule.kind === 'interval' && this.interval ? new Date(Date.now() + schedule.ms) : null;
  }

  /** Stops the schedule and a running retrain (its child is killed; the serving model is untouched). */
  async stop(): Promise<void> {
    this.cron?.stop();
    if (this.interval) clearInterval(this.interval);
    this.abort.abort();
    await this.running?.catch(() => undefined);
    await this.syncing;
  }

  /** Rebuilds the ModelVersion table from models/ (never throws: the disk is what serves). */
  async syncRegistry(): Promise<void> {
    try {
      await syncModelVersions(this.options.db.prisma, this.modelsDir);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the database did not follow the model registry');
    }
  }

  /** New ratings since the last run of the scope (all guilds, or one). */
  async newRatings(guildId?: string): Promise<number> {
    const last = await lastRetrainRun(this.options.db.prisma, { guildId: guildId ?? null });
    // Like countRatingChangesSince, but the bot's own rating buttons are not new ratings.
    return this.options.db.prisma.rating.count({
      where: {
        updatedAt: { gt: last?.startedAt ?? new Date(0) },
        ...(this.options.excludeUserIds?.length ? { userId: { notIn: [...this.options.excludeUserIds] } } : {}),
        ...(guildId ? { piece: { guildId } } : {}),
      },
    });
  }

  /** One scheduled check: retrain globally, then per guild, where enough new ratings exist. */
  async tick(): Promise<RetrainOutcome[]> {
    if (this.busy) return [];
    const outcomes: RetrainOutcome[] = [];
    if ((await this.newRatings()) >= this.options.config.retrain.minRatings) outcomes.push(await this.retrainNow({ trigger: 'schedule' }));
    const perGuild = this.options.guildMinRatings ?? 0;
    if (perGuild > 0) {
      const guilds = await this.options.db.prisma.guild.findMany({ select: { id: true } });
      for (const { id } of guilds) {
        if ((await this.newRatings(id)) >= perGuild) outcomes.push(await this.retrainNow({ trigger: 'schedule', guildId: id }));
      }
    }
    return outcomes;
  }

  /** Runs one retrain now (refused while one runs). Emits 'accepted'/'rejected' and, on a switch, 'switched'. */
  async retrainNow(request: RetrainRequest): Promise<RetrainOutcome> {
    if (this.running) throw new RhythmixError('a retrain is already running — try again when it has finished', { exitCode: 1 });
    const input: RetrainChildInput = {
      databaseUrl: this.options.db.url,
      modelsDir: path.resolve(this.modelsDir),
      weights: [...this.options.config.ratingWeights],
      ...(request.guildId ? { guildId: request.guildId } : {}),
      ...(this.options.excludeUserIds ? { excludeUserIds: [...this.options.excludeUserIds] } : {}),
      ...(this.options.data ? { data: this.options.data } : {}),
      ...(this.options.settings ? { settings: this.options.settings } : {}),
    };
    const runner = this.options.runner ?? retrainInChild;
    this.options.logger?.info({ trigger: request.trigger, guild: request.guildId }, 'retrain started');
    const run = runner(input, { ...(request.onProgress ? { onProgress: request.onProgress } : {}), signal: this.abort.signal });
    this.running = run;
    try {
      const outcome = await run;
      this.options.logger?.info({ status: outcome.status, version: outcome.version, reason: outcome.reason }, 'retrain finished');
      if (outcome.status === 'accepted') {
        this.emit('accepted', outcome);
        if (outcome.activated) {
          const pointer = { model: outcome.version!, previous: outcome.parent, updatedAt: new Date().toISOString() };
          this.emit('switched', pointer);
        }
      } else if (outcome.status === 'rejected') {
        this.emit('rejected', outcome);
      }
      return outcome;
    } finally {
      this.running = undefined;
    }
  }

  /** The registry's versions, each with the liked share of its rated pieces. */
  async listModels(): Promise<ModelListRow[]> {
    const shares = await likedSharesByVersion(this.options.db.prisma, {
      weights: this.options.config.ratingWeights,
      ...(this.options.excludeUserIds ? { excludeUserIds: this.options.excludeUserIds } : {}),
    });
    return this.options.registry ? rowsFromEntries(await this.options.registry.list(), shares) : modelRows(this.modelsDir, shares);
  }

  currentModel(): string | null {
    return currentModelName(this.modelsDir);
  }

  /**
   * The model a guild's compose jobs should use: its own accepted variant when it has one,
   * else undefined (= the global current model).
   */
  async modelForGuild(guildId: string | null): Promise<string | undefined> {
    if (!guildId) return undefined;
    const active = await activeModelFor(this.options.db.prisma, guildId);
    if (!active || active.guildId !== guildId) return undefined;
    const dir = path.join(this.modelsDir, active.name);
    return existsSync(path.join(dir, 'model.json')) ? dir : undefined;
  }

  /** Switches (or rolls back) the global model; the next job uses it. */
  async useModel(version: string, options: { force?: boolean; by?: string } = {}): Promise<CurrentPointer> {
    const force = options.force ? { force: true } : {};
    const { registry } = this.options;
    const pointer = registry ? await registry.use(version, force) : await setCurrentModel(version, { modelsDir: this.modelsDir, ...force });
    this.options.logger?.info({ model: version, by: options.by ?? 'an admin' }, 'model switched');
    if (!registry) await this.syncRegistry();
    this.emit('switched', pointer);
    return pointer;
  }

  private report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(errorMessage(error));
    this.options.logger?.error({ err }, 'feedback loop error');
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
