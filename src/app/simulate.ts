/**
 * `rhythmix feedback simulate`: the feedback loop end to end with a simulated rater. The rater
 * has a hidden taste — one sample statistic (register or note density) above or below a
 * threshold fixed before the experiment at a quantile of what the base model writes (so about
 * 30 % of its pieces please the rater at the start). Each round: the current model composes
 * pieces → they are stored in a scratch database → the rater reacts 👍 or 👎 → the retrain use
 * case (src/app/retrain.ts, as `rhythmix retrain`, guardrail included) fine-tunes and maybe switches the
 * model. Before and after, the liked fraction is measured on a fixed evaluation set of seeds
 * and the NLL on the held-out original data.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultModel } from '../compose/lstm-composer.js';
import { DEFAULT_RATING_EMOJIS, parseRatingEmojis, ratingWeights } from '../config/rating-emojis.js';
import { addRating, createPiece, openDatabase } from '../db/index.js';
import { Generator } from '../model/generator.js';
import { loadModel, resolveModelDir } from '../model/model-files.js';
import { currentModelName, setCurrentModel } from '../model/registry.js';
import { Vocabulary } from '../music/vocabulary.js';
import { InvalidInputError } from '../util/errors.js';
import { parseInput } from '../util/parse-input.js';
import { sampleTokens, validationNll } from '../feedback/guardrail.js';
import { loadOriginalData, originalDataSpecs } from '../feedback/original-data.js';
import { cpuNow } from '../feedback/fine-tune.js';
import { fineTuneSettingsSchema, resolveBaseModel, type FineTuneSettings, type RetrainOutcome } from '../feedback/retrain.js';
import { quantile, type SampleStats, type StatName, tokenStats } from '../feedback/sample-stats.js';
import { runRetrain } from './retrain.js';
import { quoteInput } from '../util/text.js';

export const TASTES = {
  high: { stat: 'meanPitch', direction: 1, description: 'likes a high register (mean pitch)' },
  low: { stat: 'meanPitch', direction: -1, description: 'likes a low register (mean pitch)' },
  dense: { stat: 'notesPerQuarter', direction: 1, description: 'likes many notes per beat' },
  sparse: { stat: 'notesPerQuarter', direction: -1, description: 'likes few notes per beat' },
} as const satisfies Record<string, { stat: StatName; direction: 1 | -1; description: string }>;
export type TasteName = keyof typeof TASTES;

export interface SimulateOptions {
  /** Base model (name under models/ or folder); default the current model. */
  model?: string;
  /** Original data specs; default from the model's card. */
  data?: string[];
  taste?: TasteName;
  rounds?: number;
  /** Pieces composed and rated per round. */
  samples?: number;
  /** Pieces of the fixed evaluation set (liked fraction before/after). */
  evalSamples?: number;
  bars?: number;
  /** Share of the base model's pieces the rater dislikes (the threshold's quantile). */
  dislikeQuantile?: number;
  seed?: number;
  settings?: Partial<FineTuneSettings>;
  /** Scratch folder (models/ and the database); default a temporary one, removed afterwards. */
  workDir?: string;
  onRound?: (round: RoundReport) => void;
  onProgress?: (message: string) => void;
  /** Stops the experiment between rounds (and a fine-tune within one). */
  signal?: AbortSignal;
}

export interface RoundReport {
  round: number;
  liked: number;
  rated: number;
  status: RetrainOutcome['status'];
  version: string | null;
  candidateNll: number | null;
  reason: string;
  /** CPU seconds of the round: composing the rated pieces, and the retrain (all its steps). */
  cpuSeconds: { compose: number; retrain: number };
}

export interface SimulateResult {
  liked_before: number;
  liked_after: number;
  nll_before: number;
  nll_after: number;
  taste: TasteName;
  threshold: number;
  rounds: RoundReport[];
  model: string;
  seconds: number;
  /** CPU seconds (user + system) of the whole experiment: calibration, rounds and both evaluations. */
  cpuSeconds: number;
}

const TASTE_NAMES = Object.keys(TASTES) as [TasteName, ...TasteName[]];

/** The experiment's input; callbacks (`onRound`, `onProgress`) come with the context. */
export const simulateInputSchema = z
  .object({
    /** Base model (name under models/ or folder); default the current model. */
    model: z.string().min(1).optional(),
    /** Original data specs; default from the model's card. */
    data: z.array(z.string().min(1)).min(1).optional(),
    taste: z.enum(TASTE_NAMES, { error: `must be one of ${TASTE_NAMES.join(', ')}` }).default('high'),
    rounds: z.number().int().min(1, { error: 'must be a whole number ≥ 1' }).default(5),
    samples: z.number().int().min(2, { error: 'must be a whole number ≥ 2' }).default(24),
    evalSamples: z.number().int().min(4, { error: 'must be a whole number ≥ 4' }).default(192),
    bars: z.number().int().min(1, { error: 'must be a whole number ≥ 1' }).default(8),
    dislikeQuantile: z.number().gt(0).lt(1).optional(),
    seed: z.number().int({ error: 'must be a whole number' }).default(1),
    settings: fineTuneSettingsSchema.partial().strict().optional(),
    workDir: z.string().min(1).optional(),
  })
  .strict();
export type SimulateInput = z.input<typeof simulateInputSchema>;

/** The simulation use case: the input checked against its schema, then the experiment. */
export function simulate(input: unknown, context: Pick<SimulateOptions, 'onRound' | 'onProgress' | 'signal'> = {}): Promise<SimulateResult> {
  return simulateFeedback({ ...parseInput(simulateInputSchema, input, 'simulation options'), ...context });
}

/** The fine-tune's CPU split from the candidate's card, for the progress line. */
async function fineTuneCpu(modelsDir: string, version: string | null): Promise<string> {
  if (!version) return '';
  try {
    const card = JSON.parse(await readFile(path.join(modelsDir, version, 'card.json'), 'utf8')) as {
      metrics?: { cpuSeconds?: { steps?: number; checkpoints?: number } };
    };
    const cpu = card.metrics?.cpuSeconds;
    return cpu ? ` (fine-tune steps ${cpu.steps} s, measuring checkpoints ${cpu.checkpoints} s)` : '';
  } catch {
    return '';
  }
}

const RATER = { id: 'simulated-rater', name: 'simulated rater' };
const GUILD = { id: 'simulation', name: 'simulation' };

export async function simulateFeedback(options: SimulateOptions = {}): Promise<SimulateResult> {
  const started = performance.now();
  const cpuStarted = cpuNow();
  const tasteName = options.taste ?? 'high';
  const taste = TASTES[tasteName];
  if (!taste) throw new InvalidInputError(`unknown taste ${quoteInput(String(tasteName))}: expected one of ${Object.keys(TASTES).join(', ')}`);
  const rounds = options.rounds ?? 5;
  const samples = options.samples ?? 24;
  const evalSamples = options.evalSamples ?? 192;
  const bars = options.bars ?? 8;
  const seed = options.seed ?? 1;
  const log = options.onProgress ?? (() => undefined);

  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'rhythmix-simulate-')));
  const ownsWorkDir = options.workDir === undefined;
  const db = await openDatabase(`file:${path.join(workDir, 'simulation.db')}`);
  try {
    // The experiment works on a copy: the real registry and database are never touched.
    const modelsDir = path.join(workDir, 'models');
    const sourceName = options.model ?? resolveBaseModel(defaultModel);
    const sourceDir = resolveModelDir(sourceName);
    const baseName = path.basename(sourceDir);
    await cp(sourceDir, path.join(modelsDir, baseName), { recursive: true, filter: (src) => !src.includes(`${path.sep}checkpoint`) });
    await setCurrentModel(baseName, { modelsDir, force: true });
    const base = await loadModel(path.join(modelsDir, baseName));
    const vocabulary = Vocabulary.fromJSON(base.vocabulary);
    const stepsPerQuarter = typeof base.card?.data?.stepsPerQuarter === 'number' ? base.card.data.stepsPerQuarter : 4;
    const dataSpecs = options.data ?? originalDataSpecs(base.card);
    const original = await loadOriginalData(dataSpecs, { vocabulary, stepsPerQuarter, maxPieces: options.settings?.maxPieces ?? 400 });
    const styles = Array.isArray(base.card?.data?.styles) && base.card.data.styles.length > 0 ? base.card.data.styles : ['classical'];

    const statOf = (stream: number[]): number | null => {
      const stats: SampleStats | null = tokenStats(stream, { vocabulary, stepsPerQuarter });
      return stats ? stats[taste.stat] : null;
    };
    // The hidden taste is fixed before any training, from a calibration set of the base model's pieces.
    const baseGenerator = new Generator(base);
    const calibration = sampleTokens(baseGenerator, { styles, count: evalSamples, bars, samplingSeed: seed * 7_000_003 })
      .map(statOf)
      .filter((v): v is number => v !== null);
    if (calibration.length === 0) throw new InvalidInputError(`${baseName} wrote no notes in ${evalSamples} tries; cannot calibrate the rater`);
    const q = options.dislikeQuantile ?? 0.7;
    const threshold = quantile(calibration, taste.direction > 0 ? q : 1 - q);
    const likes = (stream: number[]): boolean => {
      const value = statOf(stream);
      return value !== null && (taste.direction > 0 ? value > threshold : value < threshold);
    };
    const likedFraction = (generator: Generator): number => {
      const streams = sampleTokens(generator, { styles, count: evalSamples, bars, samplingSeed: seed * 1_000_003 });
      return streams.filter(likes).length / streams.length;
    };

    log(`rater ${taste.description}: ${taste.stat} ${taste.direction > 0 ? '>' : '<'} ${threshold.toFixed(2)}`);
    const likedBefore = likedFraction(baseGenerator);
    const nllBefore = validationNll(base, original.valid);
    log(`before: liked ${(likedBefore * 100).toFixed(0)} %, validation NLL ${nllBefore.toFixed(4)}`);

    const weights = ratingWeights(parseRatingEmojis(DEFAULT_RATING_EMOJIS).emojis);
    const reports: RoundReport[] = [];
    const t0 = Date.now();
    for (let round = 1; round <= rounds; round++) {
      options.signal?.throwIfAborted();
      const currentName = currentModelName(modelsDir) ?? baseName;
      const generator = round === 1 ? baseGenerator : await Generator.load(path.join(modelsDir, currentName));
      const composeStarted = cpuNow();
      const streams = sampleTokens(generator, { styles, count: samples, bars, samplingSeed: seed * 10_007 + round * 101 });
      const composeCpu = cpuNow() - composeStarted;
      // Simulated time: one day per round, so the recency decay has something to weigh.
      const at = new Date(t0 + round * 86_400_000);
      let liked = 0;
      for (const [i, stream] of streams.entries()) {
        const piece = await createPiece(db.prisma, {
          style: styles[i % styles.length]!,
          tokens: stream,
          guild: GUILD,
          modelVersion: currentName,
          createdAt: at,
        });
        const good = likes(stream);
        if (good) liked++;
        await addRating(db.prisma, { pieceId: piece.id, user: RATER, emoji: good ? '👍' : '👎', at });
      }
      log(`round ${round}: ${currentName} liked ${liked}/${streams.length}; retraining…`);
      const retrainStarted = cpuNow();
      const outcome = await runRetrain({
        prisma: db.prisma,
        weights,
        modelsDir,
        data: dataSpecs,
        now: at,
        settings: { seed: seed + round, ...options.settings },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const report: RoundReport = {
        round,
        liked,
        rated: streams.length,
        status: outcome.status,
        version: outcome.version,
        candidateNll: outcome.candidateNll,
        reason: outcome.reason,
        cpuSeconds: { compose: composeCpu, retrain: cpuNow() - retrainStarted },
      };
      reports.push(report);
      options.onRound?.(report);
      log(`round ${round}: ${outcome.status}${outcome.version ? ` ${outcome.version}` : ''} — ${outcome.reason}`);
      log(
        `round ${round}: CPU ${report.cpuSeconds.compose.toFixed(1)} s composing, ${report.cpuSeconds.retrain.toFixed(1)} s retraining${await fineTuneCpu(modelsDir, outcome.version)}`,
      );
    }

    const finalName = currentModelName(modelsDir) ?? baseName;
    const final = await loadModel(path.join(modelsDir, finalName));
    const likedAfter = likedFraction(new Generator(final));
    const nllAfter = validationNll(final, original.valid);
    log(`after (${finalName}): liked ${(likedAfter * 100).toFixed(0)} %, validation NLL ${nllAfter.toFixed(4)}`);
    const cpuSeconds = cpuNow() - cpuStarted;
    log(`CPU ${cpuSeconds.toFixed(0)} s in all (${((performance.now() - started) / 1000).toFixed(0)} s wall)`);
    return {
      liked_before: likedBefore,
      liked_after: likedAfter,
      nll_before: nllBefore,
      nll_after: nllAfter,
      taste: tasteName,
      threshold,
      rounds: reports,
      model: baseName,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds,
    };
  } finally {
    await db.close();
    if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}
