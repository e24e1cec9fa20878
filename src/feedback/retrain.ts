/**
 * The steps of one round of the feedback loop: ratings → fine-tuning data (liked pieces + replay
 * of the original data) → fine-tune the current model in models/.staging/ → guardrail → publish
 * the version (accepted or rejected, with its card) → switch the current pointer when accepted.
 * The retrain use case (src/app/retrain.ts) runs them in that order.
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
import { finishRetrainRun, type PrismaClient } from '../db/index.js';
import type { JsonObject } from '../db/encoding.js';
import { Generator } from '../model/generator.js';
import { loadModel, type LoadedModel, saveModel } from '../model/model-files.js';
import { copyOriginalityIndex } from '../model/originality-file.js';
import { currentModelName, lineage, newVersionName, publishStaged, setCurrentModel, STAGING_DIR, updateCard } from '../model/registry.js';
import { Vocabulary } from '../music/vocabulary.js';
import { RhythmixError } from '../util/errors.js';
import { candidateCard, candidateMetrics, candidateSettingsSchema, fineTuneCandidate, type FineTuneResult, methodDescription } from './fine-tune.js';
import { buildFineTuneData, ratedPieces, type FineTuneData } from './finetune-data.js';
import { dataRanges, judge, sampleStats, sampleTokens, validationNll, type GuardrailVerdict, type SampleOptions } from './guardrail.js';
import { likedShareOf, type LikedShare } from './liked-share.js';
import { loadOriginalData, originalDataSpecs, type OriginalData } from './original-data.js';
import { checkStats, type StatRanges, type StatsCheck } from './sample-stats.js';
import { DEFAULT_HALF_LIFE_DAYS, pieceSignals, type PieceSignal } from './signal.js';
import { timingTokensOf, tokenKindsOf } from './token-credit.js';

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
export async function acquireLock(modelsDir: string): Promise<() => Promise<void>> {
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

/** The model a retrain starts from when none is named: the current one, else `defaultModel` (the bundled one). */
export function resolveBaseModel(defaultModel: () => string, modelsDir?: string): string {
  return currentModelName(modelsDir) ?? defaultModel();
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

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RhythmixError('retrain cancelled', { exitCode: 130 });
}

/** The model a round fine-tunes, as loaded from its folder. */
export interface RetrainParent {
  readonly name: string;
  readonly dir: string;
  readonly model: LoadedModel;
  readonly vocabulary: Vocabulary;
  readonly stepsPerQuarter: number;
}

export async function loadParent(parentName: string, modelsDir: string): Promise<RetrainParent> {
  const parentDir = path.isAbsolute(parentName) || parentName.includes('/') ? parentName : path.join(modelsDir, parentName);
  const parent = await loadModel(parentDir);
  return { name: parentName, dir: parentDir, model: parent, vocabulary: Vocabulary.fromJSON(parent.vocabulary), stepsPerQuarter: stepsOf(parent) };
}

export function skippedOutcome(parentName: string, reason: string): RetrainOutcome {
  return {
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
  };
}

/** The ratings as one signal per piece (recency-weighted scores). */
export function readSignals(options: RetrainOptions, settings: FineTuneSettings): Promise<PieceSignal[]> {
  return pieceSignals(options.prisma, {
    weights: options.weights,
    halfLifeDays: settings.halfLifeDays,
    ...(options.now ? { now: options.now } : {}),
    ...(options.guildId ? { guildId: options.guildId } : {}),
    ...(options.excludeUserIds ? { excludeUserIds: options.excludeUserIds } : {}),
  });
}

/** Liked pieces (repeated by score) and a replay of the original data, in the parent's token language. */
export async function fineTuneData(
  signals: readonly PieceSignal[],
  parent: RetrainParent,
  dataSpecs: readonly string[] | undefined,
  settings: FineTuneSettings,
): Promise<{ original: OriginalData; data: FineTuneData }> {
  const { vocabulary, stepsPerQuarter } = parent;
  const original = await loadOriginalData(dataSpecs ?? originalDataSpecs(parent.model.card), { vocabulary, stepsPerQuarter, maxPieces: settings.maxPieces });
  const data = buildFineTuneData(signals, original.train, {
    vocabulary,
    maxCopies: settings.maxCopies,
    replayRatio: settings.replayRatio,
    seed: settings.seed,
  });
  return { original, data };
}

/** Where a candidate is named and published: a guild's variant is named after the lineage's root and the guild. */
export async function candidateName(
  parent: RetrainParent,
  modelsDir: string,
  guildId: string | undefined,
  now: Date,
): Promise<{ version: string; rootName: string }> {
  const baseName = path.basename(parent.dir);
  const chain = await lineage(baseName, modelsDir);
  const rootName = chain[chain.length - 1] ?? baseName;
  const stem = guildId ? `${rootName}-g${guildId}` : rootName;
  return { version: newVersionName(stem, now, modelsDir), rootName };
}

/** A fine-tuned candidate and the figures it was chosen against. */
export interface FineTuneRound {
  readonly result: FineTuneResult;
  /** The lineage root's held-out NLL and sample statistics, and the data's ranges. */
  readonly reference: ReferenceFigures;
  readonly parentNll: number;
  /** The parent version's rated pieces: how many were liked (null when none is rated). */
  readonly parentLiked: LikedShare | null;
}

/**
 * Fine-tunes the parent into the staging folder `staged` (fine-tune.ts: likelihood on the data
 * plus DPO on liked/disliked pairs, the checkpoint chosen within the NLL cap); the reference
 * figures come first since the choice depends on them. A cancelled run throws (exit code 130).
 */
export async function fineTune(
  parent: RetrainParent,
  staged: string,
  version: string,
  rootName: string,
  modelsDir: string,
  input: {
    signals: readonly PieceSignal[];
    /** Rated pieces kept out of training (splitHeldOut): the selection's preference is measured on them. */
    heldOut?: readonly PieceSignal[];
    data: FineTuneData;
    original: OriginalData;
    styles: string[];
    settings: FineTuneSettings;
    signal?: AbortSignal;
  },
  report: (fraction: number, message: string) => void,
): Promise<FineTuneRound> {
  const { signals, data, original, styles, settings } = input;
  const heldOutIds = new Set((input.heldOut ?? []).map((s) => s.pieceId));
  const baseName = path.basename(parent.dir);
  const root = rootName === baseName ? parent.model : await loadModel(path.join(modelsDir, rootName));
  const reference = referenceFigures(root, original, {
    styles: sampleStylesOf(styles),
    count: settings.samples,
    bars: settings.sampleBars,
    samplingSeed: settings.seed * 1000,
  });
  const parentNll = root === parent.model ? reference.nll : (storedNll(parent.model, original) ?? validationNll(parent.model, original.valid));
  const rated = ratedPieces(
    signals.filter((s) => !heldOutIds.has(s.pieceId)),
    parent.vocabulary,
  );
  const heldOut = heldOutIds.size > 0 ? ratedPieces(input.heldOut!, parent.vocabulary) : undefined;
  const parentLiked = likedShareOf(signals, baseName);
  const result = await fineTuneCandidate({
    config: parent.model.config,
    parentParams: parent.model.params,
    referenceParams: settings.dpoReference === 'root' ? root.params : parent.model.params,
    train: data.train,
    liked: rated.liked,
    disliked: rated.disliked,
    ...(heldOut ? { heldOut } : {}),
    takePairs: rated.takePairs,
    tokenKinds: tokenKindsOf(parent.vocabulary),
    timingTokens: timingTokensOf(parent.vocabulary),
    valid: original.valid,
    referenceNll: reference.nll,
    parentNll,
    maxRegression: settings.maxRegression,
    settings,
    ...(input.signal ? { signal: input.signal } : {}),
    onProgress: (p) => report(0.1 + 0.6 * (p.step / p.steps), `step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}`),
  });
  if (result.interrupted) throw new RhythmixError('retrain cancelled', { exitCode: 130 });
  await saveModel(staged, {
    config: parent.model.config,
    params: result.params,
    vocabulary: parent.model.vocabulary,
    card: candidateCard({
      name: version,
      parent: baseName,
      parentCard: parent.model.card,
      config: parent.model.config,
      settings: { ...settings },
      train: data.train,
      validPieces: original.valid.length,
      source: `feedback + ${original.source}`,
      styles,
      stepsPerQuarter: parent.stepsPerQuarter,
      vocabulary: parent.vocabulary,
      result,
    }),
  });
  // Its training pieces are the parent's (plus rated pieces of its own): the parent's originality index holds.
  await copyOriginalityIndex(parent.dir, staged);
  return { result, reference, parentNll, parentLiked };
}

const sampleStylesOf = (styles: string[]): string[] => (styles.length > 0 ? styles : ['classical']);

/** What the guardrail measured and decided about a candidate. */
export interface CandidateJudgement {
  readonly verdict: GuardrailVerdict;
  readonly referenceNll: number;
  readonly parentNll: number;
  readonly candidateNll: number;
  /** The candidate's card metrics (also the retrain run's result). */
  readonly metrics: JsonObject;
}

/** The guardrail: the candidate's held-out NLL and sample statistics against the lineage's root and the data. */
export async function judgeCandidate(
  staged: string,
  rootName: string,
  input: { original: OriginalData; styles: string[]; settings: FineTuneSettings; round: FineTuneRound },
): Promise<CandidateJudgement> {
  const { original, settings, round } = input;
  const { reference, parentNll, parentLiked, result } = round;
  const sampleStyles = sampleStylesOf(input.styles);
  const candidate = await loadModel(staged);
  const referenceNll = reference.nll;
  // Measured on the same held-out pieces, full context, for the checkpoint kept.
  const candidateNll = result.chosen.validationNll;
  const generator = new Generator(candidate);
  const streams = sampleTokens(generator, { styles: sampleStyles, count: settings.samples, bars: settings.sampleBars, samplingSeed: settings.seed * 1000 });
  const ranges = reference.ranges;
  const referenceStats = reference.stats;
  const stats = checkStats(sampleStats(generator, streams), ranges, referenceStats);
  const verdict: GuardrailVerdict = judge({ referenceNll, candidateNll, stats, maxRegression: settings.maxRegression });
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
  return { verdict, referenceNll, parentNll, candidateNll, metrics };
}

/**
 * Publishes the judged candidate (accepted or rejected, with its card), switches the current
 * pointer to an accepted global one when `activate`, and records the run. Returns whether it switched.
 */
export async function publishCandidate(
  options: RetrainOptions,
  modelsDir: string,
  staged: string,
  run: { id: number; version: string; parentName: string },
  input: { judgement: CandidateJudgement; data: FineTuneData; original: OriginalData; settings: FineTuneSettings; result: FineTuneResult },
): Promise<boolean> {
  const { judgement, data, original, settings, result } = input;
  const { verdict, metrics } = judgement;
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
    parent: run.parentName,
    ratingsUsed: data.ratingsUsed,
    originalData: original.source,
    metrics,
    feedback,
    ...(options.guildId ? { guildId: options.guildId } : {}),
  });
  // Publishing and switching are the commit: never for a cancelled run (or a child whose parent died).
  throwIfCancelled(options.signal);
  await publishStaged(staged, run.version, modelsDir);
  // Guild variants are not global: they never move the global pointer.
  const activate = verdict.accepted && (options.activate ?? true) && !options.guildId;
  if (activate) {
    throwIfCancelled(options.signal);
    await setCurrentModel(run.version, { modelsDir });
  }
  // The card and the pointer are the record; the table follows them.
  const { syncModelVersions } = await import('./versions-db.js');
  await syncModelVersions(options.prisma, modelsDir);
  await finishRetrainRun(options.prisma, run.id, {
    status: verdict.accepted ? 'accepted' : 'rejected',
    candidate: run.version,
    ratingsUsed: data.ratingsUsed,
    result: { reason: verdict.reason, ...metrics, trainingSeconds: result.trainingSeconds },
  });
  return activate;
}

/** A staging folder left by a failed round goes; the staging area itself stays for the next. */
export async function discardStaged(staged: string | null): Promise<void> {
  if (staged && existsSync(staged)) await rm(staged, { recursive: true, force: true });
}
