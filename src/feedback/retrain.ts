/**
 * One round of the feedback loop: ratings → fine-tuning data (liked pieces + replay of the
 * original data) → fine-tune the current model in models/.staging/ → guardrail → publish the
 * version (accepted or rejected, with its card) → switch the current pointer when accepted.
 *
 * Crash safety (kill -9 at any point): the candidate is trained in a staging folder and moved
 * into models/ with one rename; the pointer is replaced atomically after that; the database only
 * records what already happened on disk. A killed run leaves a `running` row (marked failed by
 * the next run) and a staging folder (removed by the next run) — the serving model is untouched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { RatingWeights } from '../config/rating-emojis.js';
import { failInterruptedRetrainRuns, finishRetrainRun, startRetrainRun, type PrismaClient } from '../db/index.js';
import type { JsonObject } from '../db/encoding.js';
import { Generator } from '../model/generator.js';
import { loadModel, type LoadedModel, modelsDirectory, saveModel } from '../model/model-files.js';
import { currentModelName, lineage, newVersionName, publishStaged, setCurrentModel, STAGING_DIR, stagingDir, updateCard } from '../model/registry.js';
import { Vocabulary } from '../music/vocabulary.js';
import { errorMessage, RhythmixError } from '../util/errors.js';
import { candidateCard, candidateMetrics, candidateSettingsSchema, fineTuneCandidate, methodDescription } from './fine-tune.js';
import { buildFineTuneData, ratedPieces } from './finetune-data.js';
import { dataRanges, judge, sampleStats, sampleTokens, validationNll, type GuardrailVerdict, type SampleOptions } from './guardrail.js';
import { likedShareOf, type LikedShare } from './liked-share.js';
import { loadOriginalData, originalDataSpecs, type OriginalData } from './original-data.js';
import { checkStats, type StatRanges, type StatsCheck } from './sample-stats.js';
import { DEFAULT_HALF_LIFE_DAYS, pieceSignals } from './signal.js';

/** How a candidate is fine-tuned and judged; every field has a default. */
export const fineTuneSettingsSchema = z
  .object({
    /** Passes over the fine-tuning data (a round takes at most `maxSteps` steps). */
    epochs: z.number().int().min(1).default(10),
    learningRate: z.number().positive().default(1e-4),
    batchSize: z.number().int().min(1).default(16),
    seqLen: z.number().int().min(1).default(64),
    /** Kept for callers that set it: the fine-tune (fine-tune.ts) runs in one thread, in the retrain's own child process. */
    threads: z.number().int().min(0).default(0),
    clipNorm: z.number().min(0).default(5),
    seed: z.number().int().default(1),
    /** Most copies of one liked piece (its weight in the likelihood). */
    maxCopies: z.number().int().min(1).default(4),
    /** Share of training tokens replayed from the original data. */
    replayRatio: z.number().min(0).max(0.95).default(0.5),
    halfLifeDays: z.number().min(0).default(DEFAULT_HALF_LIFE_DAYS),
    /** Samples the guardrail's statistics are measured on. */
    samples: z.number().int().min(1).default(16),
    sampleBars: z.number().int().min(1).default(8),
    /** Held-out / replay pieces read per data set at most. */
    maxPieces: z.number().int().min(1).default(400),
    maxRegression: z.number().min(-1).default(0.05),
  })
  .extend(candidateSettingsSchema.shape);
export type FineTuneSettings = z.infer<typeof fineTuneSettingsSchema>;

export interface RetrainProgress {
  stage: 'signal' | 'data' | 'train' | 'guardrail' | 'publish';
  /** 0..1 within the whole run. */
  fraction: number;
  message: string;
}

export interface RetrainOptions {
  prisma: PrismaClient;
  weights: RatingWeights;
  modelsDir?: string;
  /** Model to fine-tune; default the current one (models/current.json, else the bundled default). */
  baseModel?: string;
  /** Original data specs (shard folders or jsb/nottingham/game/MIDI folder); default from the base model's card. */
  data?: readonly string[];
  /** A guild's own variant: only its ratings, published as a guild version. */
  guildId?: string;
  excludeUserIds?: readonly string[];
  settings?: Partial<FineTuneSettings>;
  /** Switch the current pointer to an accepted candidate (default true). */
  activate?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: RetrainProgress) => void;
  now?: Date;
}

export interface RetrainOutcome {
  status: 'accepted' | 'rejected' | 'skipped';
  /** The new version's name (null when skipped). */
  version: string | null;
  parent: string;
  reason: string;
  runId: number | null;
  activated: boolean;
  ratingsUsed: number;
  likedPieces: number;
  dislikedPieces: number;
  referenceNll: number | null;
  parentNll: number | null;
  candidateNll: number | null;
  trainingSeconds: number;
  /** The parent version's rated pieces: how many were liked (null when none of its pieces is rated). */
  parentLiked?: LikedShare | null;
  /** How much likelier (nats per token, vs the parent) the candidate made the liked pieces than the disliked ones. */
  preference?: number | null;
}

const LOCK_FILE = 'retrain.lock';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One retrain at a time per models folder. A lock left by a killed process (its pid is gone)
 * is taken over, and that run's staging folders are removed.
 */
async function acquireLock(modelsDir: string): Promise<() => Promise<void>> {
  const staging = path.join(modelsDir, STAGING_DIR);
  await mkdir(staging, { recursive: true });
  const file = path.join(staging, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
        throw new RhythmixError(`a retrain is already running (process ${owner})`, { exitCode: 1 });
      }
      // Stale: the previous run was killed. Its staging folders go with its lock.
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
    }
  }
  throw new RhythmixError(`cannot take the retrain lock ${file}`, { exitCode: 1 });
}

function stepsOf(model: LoadedModel): number {
  const stored = model.card?.data?.stepsPerQuarter;
  return typeof stored === 'number' ? stored : 4;
}

/** The model a retrain starts from when none is named. */
export async function resolveBaseModel(modelsDir?: string): Promise<string> {
  const current = currentModelName(modelsDir);
  if (current) return current;
  const { defaultModel } = await import('../compose/lstm-composer.js');
  return defaultModel();
}

interface ReferenceFigures {
  nll: number;
  ranges: StatRanges;
  stats: StatsCheck;
}

/**
 * The root model's held-out NLL and sample statistics, and the data's ranges: the same for every
 * round of a lineage on the same data, so they are computed once per process.
 */
const referenceCache = new Map<string, ReferenceFigures>();

function referenceFigures(root: LoadedModel, original: OriginalData, samples: SampleOptions): ReferenceFigures {
  const key = JSON.stringify([path.resolve(root.dir), root.card?.createdAt ?? null, original.source, original.valid.length, samples]);
  const cached = referenceCache.get(key);
  if (cached) return cached;
  const generator = new Generator(root);
  const ranges = dataRanges(generator, original.valid);
  const figures = { nll: validationNll(root, original.valid), ranges, stats: checkStats(sampleStats(generator, sampleTokens(generator, samples)), ranges) };
  if (referenceCache.size > 16) referenceCache.clear();
  referenceCache.set(key, figures);
  return figures;
}

/** A parent's NLL from its card when it was measured on the same held-out data. */
function storedNll(model: LoadedModel, original: OriginalData): number | null {
  const metrics = model.card?.metrics as { validationNll?: unknown; heldOutPieces?: unknown } | undefined;
  return model.card?.originalData === original.source && metrics?.heldOutPieces === original.valid.length && typeof metrics.validationNll === 'number'
    ? metrics.validationNll
    : null;
}

export async function runRetrain(options: RetrainOptions): Promise<RetrainOutcome> {
  const settings = fineTuneSettingsSchema.parse(options.settings ?? {});
  const modelsDir = options.modelsDir ?? modelsDirectory();
  const report = (stage: RetrainProgress['stage'], fraction: number, message: string): void => options.onProgress?.({ stage, fraction, message });
  const releaseLock = await acquireLock(modelsDir);
  try {
    // Runs left `running` by a killed process: they are over.
    await failInterruptedRetrainRuns(options.prisma, new Date(), 'interrupted (the process ended before finishing)');
    const parentName = options.baseModel ?? (await resolveBaseModel(modelsDir));
    const parentDir = path.isAbsolute(parentName) || parentName.includes('/') ? parentName : path.join(modelsDir, parentName);
    const parent = await loadModel(parentDir);
    const vocabulary = Vocabulary.fromJSON(parent.vocabulary);
    const stepsPerQuarter = stepsOf(parent);

    report('signal', 0, 'reading ratings');
    const signals = await pieceSignals(options.prisma, {
      weights: options.weights,
      halfLifeDays: settings.halfLifeDays,
      ...(options.now ? { now: options.now } : {}),
      ...(options.guildId ? { guildId: options.guildId } : {}),
      ...(options.excludeUserIds ? { excludeUserIds: options.excludeUserIds } : {}),
    });
    const skippedOutcome = (reason: string): RetrainOutcome => ({
      status: 'skipped',
      version: null,
      parent: parentName,
      reason,
      runId: null,
      activated: false,
      ratingsUsed: 0,
      likedPieces: 0,
      dislikedPieces: 0,
      referenceNll: null,
      parentNll: null,
      candidateNll: null,
      trainingSeconds: 0,
    });
    if (!signals.some((s) => s.score > 0)) return skippedOutcome('no liked piece with stored tokens yet — nothing to learn from');

    report('data', 0.05, 'loading the original data');
    const original = await loadOriginalData(options.data ?? originalDataSpecs(parent.card), { vocabulary, stepsPerQuarter, maxPieces: settings.maxPieces });
    const data = buildFineTuneData(signals, original.train, {
      vocabulary,
      maxCopies: settings.maxCopies,
      replayRatio: settings.replayRatio,
      seed: settings.seed,
    });
    if (data.likedPieces === 0) return skippedOutcome(`no liked piece fits the model's token language (${data.skippedPieces} skipped)`);

    const run = await startRetrainRun(options.prisma, { guildId: options.guildId ?? null, baseModel: path.basename(parentDir), ratingsUsed: data.ratingsUsed });
    const baseName = path.basename(parentDir);
    const chain = await lineage(baseName, modelsDir);
    const rootName = chain[chain.length - 1] ?? baseName;
    const stem = options.guildId ? `${rootName}-g${options.guildId}` : rootName;
    const version = newVersionName(stem, options.now ?? new Date(), modelsDir);
    let staged: string | null = null;
    try {
      staged = await stagingDir(version, modelsDir);
      report('train', 0.1, `fine-tuning ${baseName} on ${data.likedPieces} liked piece(s) + ${data.replayPieces} original`);
      const styles = [...new Set(signals.filter((s) => s.score > 0).map((s) => s.style))];
      const root = rootName === baseName ? parent : await loadModel(path.join(modelsDir, rootName));
      const sampleStyles = styles.length > 0 ? styles : ['classical'];
      const reference = referenceFigures(root, original, {
        styles: sampleStyles,
        count: settings.samples,
        bars: settings.sampleBars,
        samplingSeed: settings.seed * 1000,
      });
      const referenceNll = reference.nll;
      const parentNll = root === parent ? referenceNll : (storedNll(parent, original) ?? validationNll(parent, original.valid));
      const rated = ratedPieces(signals, vocabulary);
      const parentLiked = likedShareOf(signals, baseName);
      const result = await fineTuneCandidate({
        config: parent.config,
        parentParams: parent.params,
        referenceParams: settings.dpoReference === 'root' ? root.params : parent.params,
        train: data.train,
        liked: rated.liked,
        disliked: rated.disliked,
        valid: original.valid,
        referenceNll,
        parentNll,
        maxRegression: settings.maxRegression,
        settings,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => report('train', 0.1 + 0.6 * (p.step / p.steps), `step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}`),
      });
      if (result.interrupted) throw new RhythmixError('retrain cancelled', { exitCode: 130 });
      await saveModel(staged, {
        config: parent.config,
        params: result.params,
        vocabulary: parent.vocabulary,
        card: candidateCard({
          name: version,
          parent: baseName,
          parentCard: parent.card,
          config: parent.config,
          settings: { ...settings },
          train: data.train,
          validPieces: original.valid.length,
          source: `feedback + ${original.source}`,
          styles,
          stepsPerQuarter,
          vocabulary,
          result,
        }),
      });

      report('guardrail', 0.75, 'checking the candidate against the original data');
      const candidate = await loadModel(staged);
      // Measured on the same held-out pieces, full context, for the epoch kept.
      const candidateNll = result.chosen.validationNll;
      const generator = new Generator(candidate);
      const streams = sampleTokens(generator, { styles: sampleStyles, count: settings.samples, bars: settings.sampleBars, samplingSeed: settings.seed * 1000 });
      const ranges = reference.ranges;
      const referenceStats = reference.stats;
      const stats = checkStats(sampleStats(generator, streams), ranges, referenceStats);
      const verdict: GuardrailVerdict = judge({ referenceNll, candidateNll, stats, maxRegression: settings.maxRegression });

      report('publish', 0.95, verdict.accepted ? 'accepted' : `rejected: ${verdict.reason}`);
      const metrics: JsonObject = {
        validationNll: candidateNll,
        referenceNll,
        referenceModel: rootName,
        parentNll,
        regression: verdict.regression,
        sampleStats: { ...stats.medians },
        referenceSampleStats: { ...referenceStats.medians },
        dataRanges: Object.fromEntries(Object.entries(ranges).map(([k, r]) => [k, [r.min, r.max]])),
        emptySamples: stats.emptyFraction,
        heldOutPieces: original.valid.length,
        ...(parentLiked ? { parentLiked: { ...parentLiked } } : {}),
        ...candidateMetrics(result),
      };
      const feedback: JsonObject = {
        likedPieces: data.likedPieces,
        dislikedPieces: data.dislikedPieces,
        skippedPieces: data.skippedPieces,
        feedbackTokens: data.feedbackTokens,
        replayPieces: data.replayPieces,
        replayTokens: data.replayTokens,
        halfLifeDays: settings.halfLifeDays,
        maxCopies: settings.maxCopies,
        method: methodDescription(settings),
      };
      await updateCard(staged, {
        status: verdict.accepted ? 'accepted' : 'rejected',
        reason: verdict.reason,
        parent: baseName,
        ratingsUsed: data.ratingsUsed,
        originalData: original.source,
        metrics,
        feedback,
        ...(options.guildId ? { guildId: options.guildId } : {}),
      });
      await publishStaged(staged, version, modelsDir);
      staged = null;
      // Guild variants are not global: they never move the global pointer.
      const activate = verdict.accepted && (options.activate ?? true) && !options.guildId;
      if (activate) await setCurrentModel(version, { modelsDir });
      // The card and the pointer are the record; the table follows them.
      const { syncModelVersions } = await import('./versions-db.js');
      await syncModelVersions(options.prisma, modelsDir);
      await finishRetrainRun(options.prisma, run.id, {
        status: verdict.accepted ? 'accepted' : 'rejected',
        candidate: version,
        ratingsUsed: data.ratingsUsed,
        result: { reason: verdict.reason, ...metrics, trainingSeconds: result.trainingSeconds },
      });
      report('publish', 1, 'done');
      return {
        status: verdict.accepted ? 'accepted' : 'rejected',
        version,
        parent: baseName,
        reason: verdict.reason,
        runId: run.id,
        activated: activate,
        ratingsUsed: data.ratingsUsed,
        likedPieces: data.likedPieces,
        dislikedPieces: data.dislikedPieces,
        referenceNll,
        parentNll,
        candidateNll,
        trainingSeconds: result.trainingSeconds,
        parentLiked,
        preference: result.chosen.preference,
      };
    } catch (error) {
      if (staged && existsSync(staged)) await rm(staged, { recursive: true, force: true });
      await finishRetrainRun(options.prisma, run.id, { status: 'failed', result: { error: errorMessage(error) } }).catch(() => undefined);
      throw error;
    }
  } finally {
    await releaseLock();
  }
}
