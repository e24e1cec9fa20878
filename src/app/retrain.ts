/**
 * The retrain use case: one round of the feedback loop, from the ratings in the database to a
 * published (and maybe current) model version. The steps are src/feedback/retrain.ts's; this is
 * their order, the lock around them and the run's record.
 *
 * Crash safety (kill -9 at any point): the candidate is trained in a staging folder and moved
 * into models/ with one rename; the pointer is replaced atomically after that; the database only
 * records what already happened on disk. A killed run leaves a `running` row (marked failed by
 * the next run) and a staging folder (removed by the next run) — the serving model is untouched.
 */
import path from 'node:path';
import { z } from 'zod';
import { defaultModel } from '../compose/lstm-composer.js';
import { failInterruptedRetrainRuns, finishRetrainRun, startRetrainRun } from '../db/index.js';
import { modelsDirectory } from '../model/model-files.js';
import { stagingDir } from '../model/registry.js';
import {
  acquireLock,
  candidateName,
  discardStaged,
  fineTune,
  fineTuneData,
  fineTuneSettingsSchema,
  judgeCandidate,
  loadParent,
  publishCandidate,
  readSignals,
  resolveBaseModel,
  skippedOutcome,
  type RetrainOptions,
  type RetrainOutcome,
  type RetrainProgress,
} from '../feedback/retrain.js';
import { splitHeldOut } from '../feedback/finetune-data.js';
import { errorMessage } from '../util/errors.js';
import { parseInput } from '../util/parse-input.js';

export type { FineTuneSettings, RetrainOutcome, RetrainProgress } from '../feedback/retrain.js';

/** What a round is asked to do; the database, weights and models folder come with the context. */
export const retrainInputSchema = z
  .object({
    /** Model to fine-tune; default the current one (models/current.json, else the bundled default). */
    baseModel: z.string().min(1).optional(),
    /** Original data specs (shard folders or jsb/nottingham/game/MIDI folder); default from the base model's card. */
    data: z.array(z.string().min(1)).min(1).optional(),
    /** A guild's own variant: only its ratings, published as a guild version. */
    guildId: z
      .string()
      .regex(/^[\w-]{1,40}$/, { error: 'must be a guild id' })
      .optional(),
    excludeUserIds: z.array(z.string()).optional(),
    settings: fineTuneSettingsSchema.partial().strict().optional(),
    /** Switch the current pointer to an accepted candidate (default true). */
    activate: z.boolean().optional(),
  })
  .strict();
export type RetrainInput = z.input<typeof retrainInputSchema>;

/** Where a round reads and writes, and how it reports. */
export type RetrainContext = Pick<RetrainOptions, 'prisma' | 'weights' | 'modelsDir' | 'signal' | 'onProgress' | 'now'> & {
  /** The model to start from when none is current (default: the bundled one). */
  readonly defaultModel?: () => string;
};

/** One round: validates the input, then ratings → data → fine-tune → guardrail → publish → switch. */
export async function retrain(input: unknown, context: RetrainContext): Promise<RetrainOutcome> {
  const request = parseInput(retrainInputSchema, input, 'retrain options');
  return runRetrain({ ...context, ...request });
}

/** The round itself, for callers that hold validated options (the bot's schedule, the simulation). */
export async function runRetrain(options: RetrainOptions & { readonly defaultModel?: () => string }): Promise<RetrainOutcome> {
  const settings = fineTuneSettingsSchema.parse(options.settings ?? {});
  const modelsDir = options.modelsDir ?? modelsDirectory();
  const report = (stage: RetrainProgress['stage'], fraction: number, message: string): void => options.onProgress?.({ stage, fraction, message });
  const releaseLock = await acquireLock(modelsDir);
  try {
    // Runs left `running` by a killed process: they are over.
    await failInterruptedRetrainRuns(options.prisma, new Date(), 'interrupted (the process ended before finishing)');
    const parentName = options.baseModel ?? resolveBaseModel(options.defaultModel ?? defaultModel, modelsDir);
    const parent = await loadParent(parentName, modelsDir);

    report('signal', 0, 'reading ratings');
    const signals = await readSignals(options, settings);
    if (!signals.some((s) => s.score > 0)) return skippedOutcome(parentName, 'no liked piece with stored tokens yet — nothing to learn from');

    report('data', 0.05, 'loading the original data');
    // Rated pieces held out of training (the same ones every round) measure how the taste generalises.
    const { fit, heldOut } = splitHeldOut(signals, settings.preferenceHoldout);
    const { original, data } = await fineTuneData(fit, parent, options.data, settings);
    if (data.likedPieces === 0) return skippedOutcome(parentName, `no liked piece fits the model's token language (${data.skippedPieces} skipped)`);

    const baseName = path.basename(parent.dir);
    const run = await startRetrainRun(options.prisma, { guildId: options.guildId ?? null, baseModel: baseName, ratingsUsed: data.ratingsUsed });
    const { version, rootName } = await candidateName(parent, modelsDir, options.guildId, options.now ?? new Date());
    let staged: string | null = null;
    try {
      staged = await stagingDir(version, modelsDir);
      report('train', 0.1, `fine-tuning ${baseName} on ${data.likedPieces} liked piece(s) + ${data.replayPieces} original`);
      const styles = [...new Set(signals.filter((s) => s.score > 0).map((s) => s.style))];
      const round = await fineTune(
        parent,
        staged,
        version,
        rootName,
        modelsDir,
        { signals, heldOut, data, original, styles, settings, ...(options.signal ? { signal: options.signal } : {}) },
        (f, m) => report('train', f, m),
      );
      const { result } = round;

      report('guardrail', 0.75, 'checking the candidate against the original data');
      const judgement = await judgeCandidate(staged, rootName, { original, styles, settings, round });
      const { verdict } = judgement;

      report('publish', 0.95, verdict.accepted ? 'accepted' : `rejected: ${verdict.reason}`);
      const activated = await publishCandidate(
        options,
        modelsDir,
        staged,
        { id: run.id, version, parentName: baseName },
        { judgement, data, original, settings, result },
      );
      staged = null;
      report('publish', 1, 'done');
      return {
        status: verdict.accepted ? 'accepted' : 'rejected',
        version,
        parent: baseName,
        reason: verdict.reason,
        runId: run.id,
        activated,
        ratingsUsed: data.ratingsUsed,
        likedPieces: data.likedPieces,
        dislikedPieces: data.dislikedPieces,
        referenceNll: judgement.referenceNll,
        parentNll: judgement.parentNll,
        candidateNll: judgement.candidateNll,
        trainingSeconds: result.trainingSeconds,
        parentLiked: round.parentLiked,
        preference: result.chosen.preference,
      };
    } catch (error) {
      await discardStaged(staged);
      await finishRetrainRun(options.prisma, run.id, { status: 'failed', result: { error: errorMessage(error) } }).catch(() => undefined);
      throw error;
    }
  } finally {
    await releaseLock();
  }
}
