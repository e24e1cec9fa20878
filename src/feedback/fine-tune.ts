/**
 * Fine-tuning a candidate from ratings, epoch by epoch, keeping every epoch's weights so the
 * candidate can be chosen on the taste as well as on the held-out NLL (candidate-selection.ts).
 *
 * Each step's gradient is the mean token NLL of a batch of windows from the fine-tuning data
 * (liked pieces repeated by score + replay of the original data: the reward-weighted likelihood),
 * plus, with `method: 'dpo'`, `dpoWeight` × the DPO gradient of a few liked/disliked pairs — and
 * pairs of two takes of one request rated apart — against the frozen parent (preference.ts). Runs in the calling thread (a retrain runs in its own niced
 * child process); it yields to the event loop between steps so an abort is seen.
 */
import { z } from 'zod';
import type { JsonObject } from '../db/encoding.js';
import type { ModelConfig } from '../model/config.js';
import type { ModelCard } from '../model/model-files.js';
import { styleKeyCounts } from '../music/key-distribution.js';
import type { Vocabulary } from '../music/vocabulary.js';
import { AdamOptimizer, DEFAULT_ADAM } from '../model/adam.js';
import { createLanguageModel } from '../model/create-language-model.js';
import { Rng } from '../model/rng.js';
import { sequenceNll } from '../train/evaluate.js';
import { engineName } from '../train/trainer.js';
import { buildCorpus, buildWindows, fillBatch } from '../train/windows.js';
import { type CandidateMeasure, perTokenLogProbs, preferenceGain, selectCandidate, type Selection } from './candidate-selection.js';
import { addDpoGradient, sequenceLogProbs } from './preference.js';
import { creditMask, pairMasks, tokenCreditTable } from './token-credit.js';

/** How candidates are trained and chosen (part of the retrain's settings). */
export const candidateSettingsSchema = z.object({
  /** `rwl`: reward-weighted likelihood only; `dpo`: plus the pairwise preference term. */
  method: z.enum(['rwl', 'dpo']).default('dpo'),
  /** DPO's β: how far from the parent a pair's log-ratio may move before it stops pulling. */
  dpoBeta: z.number().positive().default(0.5),
  /** Weight of the DPO gradient next to the mean-token NLL gradient. */
  dpoWeight: z.number().min(0).default(2),
  /** Liked/disliked pairs per step (DPO). */
  pairsPerStep: z.number().int().min(1).default(4),
  /**
   * Most optimizer steps of a round (each: one batch of windows + up to pairsPerStep pairs). At
   * 1e-4 a round's NLL cost comes in its first ~30 steps (Adam's first moves) and the replay wins
   * it back later while the preference keeps growing: at 40 steps every round ended at its last
   * checkpoint with budget unspent; 80 ends further along the taste at a lower NLL (docs/feedback.md).
   */
  maxSteps: z.number().int().min(1).default(80),
  /** Candidates measured per round (evenly spaced over its steps); the selection picks one of them. */
  checkpoints: z.number().int().min(1).default(6),
  /** `mix`: preference − nllWeight·NLL within the budget; `nll`: the lowest held-out NLL (the old rule). */
  selection: z.enum(['mix', 'nll']).default('mix'),
  /** The DPO reference: the lineage's root (every round anchored to the same model) or the parent. */
  dpoReference: z.enum(['root', 'parent']).default('root'),
  /** Nats of liked-vs-disliked log-likelihood gain one nat of held-out NLL is worth. */
  nllWeight: z.number().min(0).default(2),
  /** Share of the NLL budget the parent left that one round may spend (candidate-selection.ts). */
  budgetShare: z.number().gt(0).max(1).default(0.5),
  /**
   * Share of the rated pieces kept out of training to measure the selection's preference on
   * (0: measured on the pieces trained on). Which pieces is fixed by their id, so a piece stays
   * held out in every round (finetune-data.ts `splitHeldOut`).
   */
  preferenceHoldout: z.number().min(0).max(0.5).default(0),
  /**
   * Where a pair's log-ratio and gradient are taken: on every token of both pieces (`sequence`), or
   * only on the tokens whose context the ratings credit to this side (`tokens`, token-credit.ts):
   * a liked and a disliked piece may differ in what the rater hears by one note in ~285 tokens;
   * or on every token with the credited ones weighing 1 + creditBoost (`boosted`, the default):
   * the whole-piece pair, leaning on the decisions that told the two pieces apart.
   */
  credit: z.enum(['sequence', 'tokens', 'boosted']).default('boosted'),
  /** `credit: 'boosted'`: every token of a pair weighs 1, a credited one 1 + creditBoost. */
  creditBoost: z.number().min(0).default(4),
  /**
   * Which tokens can be credited: any (`all`), or only those that place notes in time (`timing`:
   * bar lines, onsets, durations). A rater's liking for a register or a key shows in every note of
   * a piece, which the whole-piece pair already carries; a boost on the extreme notes measured
   * worse there. What a whole-piece pair dilutes is a local decision in time: a frame closed early.
   */
  creditOn: z.enum(['all', 'timing']).default('timing'),
  /** Token kinds before a token that form its shape context (`credit: 'tokens'` / `'boosted'`). */
  creditContext: z.number().int().min(0).default(8),
  /** Log-odds (nats) a token's context needs, liked against disliked, to be credited (`credit: 'tokens'` / `'boosted'`). */
  creditThreshold: z.number().min(0).default(1),
  /**
   * `even`: the checkpoints evenly spaced over the round; `early`: the first two at 1/16 and 1/8 of
   * it (where Adam's first steps move the NLL most), the rest evenly spaced, so a round whose NLL
   * climbs fast still has a cheap candidate under the cap.
   */
  checkpointSpacing: z.enum(['even', 'early']).default('even'),
});
export type CandidateSettings = z.infer<typeof candidateSettingsSchema>;

export interface FineTuneInput {
  config: ModelConfig;
  parentParams: Float32Array;
  /**
   * The frozen model the DPO log-ratios are taken against (default the parent). The lineage's
   * root anchors every round to the same model: pairs an earlier round already separated start
   * with a positive margin and pull little, instead of being pushed again from each new parent.
   */
  referenceParams?: Float32Array;
  /** Windows of these are the likelihood data (liked copies + replay). */
  train: readonly Int32Array[];
  /** Rated pieces (closed with `<end>`): the preference pairs (and the selection's measure without `heldOut`). */
  liked: readonly Int32Array[];
  disliked: readonly Int32Array[];
  /** Rated pieces kept out of training: when given, the selection's preference is measured on them instead. */
  heldOut?: { liked: readonly Int32Array[]; disliked: readonly Int32Array[] };
  /** Takes of one request rated apart (finetune-data.ts): DPO pairs as they are, beside the liked × disliked ones. */
  takePairs?: { readonly chosen: readonly Int32Array[]; readonly rejected: readonly Int32Array[] };
  /** Token kind of every vocabulary id: needed for `credit: 'tokens'` (without it pairs take whole pieces). */
  tokenKinds?: ArrayLike<number>;
  /** 1 for every vocabulary id that places notes in time (token-credit.ts `timingTokensOf`): needed for `creditOn: 'timing'`. */
  timingTokens?: ArrayLike<number>;
  /** Held-out original data. */
  valid: readonly Int32Array[];
  referenceNll: number;
  /** The parent's held-out NLL on the same data (default: the reference's). */
  parentNll?: number;
  maxRegression: number;
  settings: CandidateSettings & { epochs: number; learningRate: number; batchSize: number; seqLen: number; clipNorm: number; seed: number };
  signal?: AbortSignal;
  onProgress?: (p: { step: number; steps: number; loss: number }) => void;
}

export interface FineTuneResult {
  params: Float32Array;
  candidates: CandidateMeasure[];
  selection: Selection;
  /** The chosen epoch's measures. */
  chosen: CandidateMeasure;
  /** Share of the pairs the policy already ranked right when they were stepped on (null without pairs). */
  pairAccuracy: number | null;
  /** Which rated pieces the candidates' preference was measured on. */
  preferenceMeasuredOn: { pieces: 'held-out' | 'trained-on'; liked: number; disliked: number };
  /** Optimizer steps taken, and steps per pass over the likelihood data. */
  steps: number;
  batchesPerPass: number;
  trainingSeconds: number;
  /** CPU seconds of this thread: the optimizer steps, and measuring the checkpoints (held-out NLL and preference). */
  cpuSeconds: { steps: number; checkpoints: number };
  interrupted: boolean;
}

/** CPU seconds (user + system) this process has used so far. */
export const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** Optimizer steps of a round: `epochs` passes over the data, at most `maxSteps` (so a round moves about as far however much was rated). */
export function trainingSteps(settings: { epochs: number; maxSteps: number }, batchesPerPass: number): number {
  return Math.max(1, Math.min(settings.maxSteps, settings.epochs * batchesPerPass));
}

/**
 * The steps after which a candidate is measured: `count` of them, the last one included; `even`
 * spaces them evenly, `early` puts the first two at 1/16 and 1/8 of the round and the rest evenly.
 */
export function checkpointSteps(steps: number, count: number, spacing: 'even' | 'early' = 'even'): Set<number> {
  const n = Math.max(1, Math.min(count, steps));
  const early = spacing === 'early' ? Math.min(2, n - 1) : 0;
  const fractions = [...Array.from({ length: early }, (_, k) => 2 ** (k - 4)), ...Array.from({ length: n - early }, (_, k) => (k + 1) / (n - early))];
  const out = new Set<number>();
  for (const f of fractions) out.add(Math.max(1, Math.ceil(f * steps)));
  // Rounding may merge two early ones on a short round; fill up from the evenly spaced steps.
  for (let k = 1; out.size < n && k <= steps; k++) out.add(k);
  return new Set([...out].sort((a, b) => a - b));
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function fineTuneCandidate(input: FineTuneInput): Promise<FineTuneResult> {
  const started = performance.now();
  const { settings, config } = input;
  const net = createLanguageModel(config);
  net.setParameters(input.parentParams);
  const optimizer = new AdamOptimizer(net, { ...DEFAULT_ADAM, learningRate: settings.learningRate });
  // The selection's measure: held-out rated pieces when there are some, else the ones trained on.
  const measured = input.heldOut && input.heldOut.liked.length > 0 ? input.heldOut : { liked: input.liked, disliked: input.disliked };
  const preferenceMeasuredOn = {
    pieces: measured === input.heldOut ? ('held-out' as const) : ('trained-on' as const),
    liked: measured.liked.length,
    disliked: measured.disliked.length,
  };
  const parentLiked = perTokenLogProbs(net, measured.liked);
  const parentDisliked = perTokenLogProbs(net, measured.disliked);
  // Pairs: every liked piece with a disliked one, plus the take pairs (indices past the liked and disliked ones).
  const crossPairs = input.liked.length > 0 && input.disliked.length > 0 ? Math.max(input.liked.length, input.disliked.length) : 0;
  const takePairs = input.takePairs ?? { chosen: [], rejected: [] };
  const usePairs = settings.method === 'dpo' && settings.dpoWeight > 0 && crossPairs + takePairs.chosen.length > 0;
  const chosenPool = [...input.liked, ...takePairs.chosen];
  const rejectedPool = [...input.disliked, ...takePairs.rejected];
  const anchor = input.referenceParams && input.referenceParams !== input.parentParams ? createLanguageModel(config) : net;
  if (anchor !== net) anchor.setParameters(input.referenceParams!);
  // Token-level credit: each pair's log-ratio and gradient weighted towards the tokens the ratings credit to its side.
  // Without the vocabulary's kinds (or, for `creditOn: 'timing'`, its timing tokens) pairs take whole pieces.
  const creditable = settings.creditOn === 'timing' ? input.timingTokens : undefined;
  const canCredit = input.tokenKinds !== undefined && (settings.creditOn === 'all' || creditable !== undefined);
  const creditTable =
    usePairs && settings.credit !== 'sequence' && canCredit
      ? tokenCreditTable(input.liked, input.disliked, { kinds: input.tokenKinds!, context: settings.creditContext, threshold: settings.creditThreshold })
      : undefined;
  const boost = settings.credit === 'tokens' ? undefined : settings.creditBoost;
  const maskOf = (sequence: ArrayLike<number>, side: 'chosen' | 'rejected'): Float32Array =>
    creditMask(creditTable!, sequence, side, settings.creditThreshold, boost, creditable);
  const chosenMasks = creditTable ? chosenPool.map((s) => maskOf(s, 'chosen')) : undefined;
  const rejectedMasks = creditTable ? rejectedPool.map((s) => maskOf(s, 'rejected')) : undefined;
  // A pair's reference log p is taken over the same tokens as its policy's: per sequence, with its own mask and whole.
  const referenceChosen = usePairs ? sequenceLogProbs(anchor, chosenPool, 16, chosenMasks) : new Float64Array();
  const referenceRejected = usePairs ? sequenceLogProbs(anchor, rejectedPool, 16, rejectedMasks) : new Float64Array();
  const wholeChosen = chosenMasks ? sequenceLogProbs(anchor, chosenPool) : referenceChosen;
  const wholeRejected = rejectedMasks ? sequenceLogProbs(anchor, rejectedPool) : referenceRejected;
  const pairMaskOf =
    chosenMasks && rejectedMasks
      ? ([chosen, rejected]: readonly [number, number]): [Float32Array, Float32Array] => pairMasks(chosenMasks[chosen]!, rejectedMasks[rejected]!)
      : undefined;
  /** The reference's log p of a pair's two sides, over the tokens the pair counts. */
  const referenceOf = ([chosen, rejected]: readonly [number, number]): [number, number] => {
    if (!pairMaskOf) return [referenceChosen[chosen]!, referenceRejected[rejected]!];
    const [c] = pairMaskOf([chosen, rejected]);
    const whole = c !== chosenMasks![chosen];
    return whole ? [wholeChosen[chosen]!, wholeRejected[rejected]!] : [referenceChosen[chosen]!, referenceRejected[rejected]!];
  };

  const corpus = buildCorpus(input.train, false);
  const windows = buildWindows(corpus, settings.seqLen);
  const T = settings.seqLen;
  const B = settings.batchSize;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  const ids = new Int32Array(B);
  const windowCount = windows.windowStart.length;
  const batches = Math.max(1, Math.ceil(windowCount / B));

  const candidates: CandidateMeasure[] = [];
  const selectionSettings = {
    referenceNll: input.referenceNll,
    maxRegression: input.maxRegression,
    nllWeight: settings.nllWeight,
    budgetShare: settings.budgetShare,
    ...(input.parentNll !== undefined ? { parentNll: input.parentNll } : {}),
  };
  // Only the weights selection can still pick are kept: the best by its rule so far and the lowest NLL (its fallback).
  const kept = new Map<number, Float32Array>();
  const steps = trainingSteps(settings, batches);
  const checkpoints = checkpointSteps(steps, settings.checkpoints, settings.checkpointSpacing);
  // Every liked piece meets a disliked one each pass (and the other way round), in a fresh order; each take pair comes once a pass.
  const pairCount = usePairs ? crossPairs + takePairs.chosen.length : 0;
  let order: number[] = [];
  let pairOrder: Array<readonly [number, number]> = [];
  let nextWindow = 0;
  let nextPair = 0;
  let pass = 0;
  let right = 0;
  let seen = 0;
  let interrupted = false;
  const reshuffle = (): void => {
    const rng = new Rng((settings.seed * 7919 + pass * 104_729) >>> 0);
    order = rng.shuffle(Array.from({ length: windowCount }, (_, i) => i));
    const likedOrder = rng.shuffle(Array.from({ length: crossPairs }, (_, i) => i % input.liked.length));
    const dislikedOrder = rng.shuffle(Array.from({ length: crossPairs }, (_, i) => i % input.disliked.length));
    pairOrder = likedOrder.map((liked, i) => [liked, dislikedOrder[i]!] as const);
    if (takePairs.chosen.length > 0) {
      const takes = takePairs.chosen.map((_, k) => [input.liked.length + k, input.disliked.length + k] as const);
      pairOrder = rng.shuffle([...pairOrder, ...takes]);
    }
    pass++;
  };
  reshuffle();
  // Pairs per step: each pass over the windows also passes over the pairs once.
  const pairsPerStep = Math.min(settings.pairsPerStep, Math.max(1, Math.ceil(pairCount / batches)));
  const cpu = { steps: 0, checkpoints: 0 };
  for (let step = 1; step <= steps; step++) {
    const stepStarted = cpuNow();
    if (input.signal?.aborted) {
      interrupted = true;
      break;
    }
    net.zeroGradients();
    if (nextWindow >= windowCount) {
      reshuffle();
      nextWindow = 0;
      nextPair = 0;
    }
    for (let r = 0; r < B; r++) ids[r] = nextWindow + r < windowCount ? order[nextWindow + r]! : -1;
    nextWindow += B;
    const count = fillBatch(corpus, windows, ids, T, inputs, targets);
    let loss = 0;
    if (count > 0) {
      weights.fill(1 / count);
      const dropoutRng = config.dropout > 0 ? new Rng(((settings.seed * 1_000_003) ^ (step * 257)) >>> 0) : undefined;
      loss = net.runBatch(inputs, targets, B, T, { backward: true, targetWeights: weights, ...(dropoutRng ? { dropoutRng } : {}) }).loss / count;
    }
    if (pairCount > 0) {
      if (nextPair >= pairCount) nextPair = 0;
      const pairs = pairOrder.slice(nextPair, nextPair + pairsPerStep);
      nextPair += pairsPerStep;
      const terms = addDpoGradient(
        net,
        {
          chosen: pairs.map(([chosen]) => chosenPool[chosen]!),
          rejected: pairs.map(([, rejected]) => rejectedPool[rejected]!),
          referenceChosen: pairs.map((pair) => referenceOf(pair)[0]),
          referenceRejected: pairs.map((pair) => referenceOf(pair)[1]),
          ...(pairMaskOf ? { chosenMasks: pairs.map((pair) => pairMaskOf(pair)[0]), rejectedMasks: pairs.map((pair) => pairMaskOf(pair)[1]) } : {}),
        },
        settings.dpoBeta,
        settings.dpoWeight,
      );
      right += terms.accuracy * pairs.length;
      seen += pairs.length;
    }
    optimizer.step(1, settings.clipNorm);
    input.onProgress?.({ step, steps, loss });
    cpu.steps += cpuNow() - stepStarted;
    await yieldToEventLoop();
    if (!checkpoints.has(step)) continue;
    const measureStarted = cpuNow();
    const nll = sequenceNll(net, input.valid);
    candidates.push({
      step,
      validationNll: nll.tokens > 0 ? nll.nll / nll.tokens : Number.NaN,
      ...preferenceGain(
        { liked: perTokenLogProbs(net, measured.liked), disliked: perTokenLogProbs(net, measured.disliked) },
        { liked: parentLiked, disliked: parentDisliked },
      ),
    });
    const index = candidates.length - 1;
    const best = selectCandidate(candidates, selectionSettings, settings.selection).index;
    const lowest = selectCandidate(candidates, selectionSettings, 'nll').index;
    if (best === index || lowest === index) kept.set(index, net.getParameters());
    for (const k of kept.keys()) if (k !== best && k !== lowest) kept.delete(k);
    cpu.checkpoints += cpuNow() - measureStarted;
    await yieldToEventLoop();
  }
  const pairAccuracy = seen > 0 ? right / seen : null;
  if (candidates.length === 0) {
    return {
      params: input.parentParams,
      candidates,
      selection: { index: -1, scores: [], reason: 'interrupted before the first candidate was measured' },
      chosen: { step: 0, validationNll: Number.NaN, likedGain: 0, dislikedGain: 0, preference: 0 },
      pairAccuracy,
      preferenceMeasuredOn,
      steps: 0,
      batchesPerPass: batches,
      trainingSeconds: (performance.now() - started) / 1000,
      cpuSeconds: cpu,
      interrupted: true,
    };
  }
  const selection = selectCandidate(candidates, selectionSettings, settings.selection);
  return {
    params: kept.get(selection.index)!,
    candidates,
    selection,
    chosen: candidates[selection.index]!,
    pairAccuracy,
    preferenceMeasuredOn,
    steps: candidates.at(-1)!.step,
    batchesPerPass: batches,
    trainingSeconds: (performance.now() - started) / 1000,
    cpuSeconds: cpu,
    interrupted,
  };
}

/** The candidate's model card, with the fields the trainer writes (and the parent's reading of its data). */
export function candidateCard(input: {
  name: string;
  parent: string;
  parentCard: ModelCard | null;
  config: ModelConfig;
  settings: Record<string, unknown>;
  train: readonly Int32Array[];
  validPieces: number;
  source: string;
  styles: string[];
  stepsPerQuarter: number;
  vocabulary: Vocabulary;
  result: FineTuneResult;
}): ModelCard {
  const now = new Date().toISOString();
  const datasets = input.parentCard?.data?.datasets;
  const keys = styleKeyCounts(input.train, input.vocabulary);
  return {
    name: input.name,
    version: now,
    parent: input.parent,
    createdAt: now,
    data: {
      source: input.source,
      pieces: input.train.length,
      tokens: input.train.reduce((s, p) => s + p.length, 0),
      validationPieces: input.validPieces,
      styles: input.styles,
      stepsPerQuarter: input.stepsPerQuarter,
      // How the parent read its piano rolls decides how its pieces are decoded (held vs repeated notes).
      ...(Array.isArray(datasets) ? { datasets } : {}),
    },
    config: { model: input.config, training: input.settings },
    epochs: Math.round((input.result.chosen.step / Math.max(1, input.result.batchesPerPass)) * 100) / 100,
    validationNll: input.result.chosen.validationNll,
    validationMetric: 'token NLL in nats per predicted token (full-context, end token included)',
    trainingSeconds: Math.round(input.result.trainingSeconds * 10) / 10,
    engine: engineName(input.config),
    ...(Object.keys(keys).length > 0 ? { keys } : {}),
  };
}

/** How the candidate was trained, in one line (the card's `feedback.method`). */
export function methodDescription(settings: CandidateSettings): string {
  const likelihood = 'reward-weighted likelihood (liked pieces repeated by score) with replay of the original data';
  const which = settings.creditOn === 'timing' ? 'timing tokens (bar, onset, duration)' : 'tokens';
  const credit =
    settings.credit === 'tokens'
      ? `, on the ${which} the ratings credit (log-odds ≥ ${settings.creditThreshold})`
      : settings.credit === 'boosted'
        ? `, the ${which} the ratings credit (log-odds ≥ ${settings.creditThreshold}) weighing ${1 + settings.creditBoost}×`
        : '';
  const pairs =
    settings.method === 'dpo'
      ? ` + ${settings.dpoWeight} × DPO on liked/disliked pairs against the ${settings.dpoReference} model (β ${settings.dpoBeta}${credit})`
      : '';
  const measuredOn = settings.preferenceHoldout > 0 ? ` (preference on the ${settings.preferenceHoldout} of rated pieces held out)` : '';
  const choice =
    settings.selection === 'mix'
      ? `; epoch chosen on preference − ${settings.nllWeight}·NLL within ${settings.budgetShare} of the NLL budget left${measuredOn}`
      : '; epoch chosen on the lowest held-out NLL';
  return `${likelihood}${pairs}${choice}`;
}

/** The selection's figures for the card's metrics and the retrain run's result. */
export function candidateMetrics(result: FineTuneResult): JsonObject {
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  return {
    selectedStep: result.chosen.step,
    steps: result.steps,
    selection: result.selection.reason,
    likedGain: round(result.chosen.likedGain),
    dislikedGain: round(result.chosen.dislikedGain),
    preference: round(result.chosen.preference),
    preferenceMeasuredOn: { ...result.preferenceMeasuredOn },
    cpuSeconds: { steps: round(result.cpuSeconds.steps), checkpoints: round(result.cpuSeconds.checkpoints) },
    ...(result.pairAccuracy !== null ? { pairAccuracy: round(result.pairAccuracy) } : {}),
    candidates: result.candidates.map((c) => ({
      step: c.step,
      validationNll: round(c.validationNll),
      likedGain: round(c.likedGain),
      dislikedGain: round(c.dislikedGain),
    })),
  };
}
