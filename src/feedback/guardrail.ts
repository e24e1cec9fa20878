/**
 * The guardrail: a fine-tuned candidate is accepted only if (1) its validation NLL on held-out
 * ORIGINAL data is at most 5 % worse than the reference — the lineage's root model, so small
 * regressions cannot pile up over many rounds — and (2) its samples' statistics stay inside the
 * range of the original data (sample-stats.ts). Otherwise it is kept, marked rejected, with the reason.
 */
import type { LoadedModel } from '../model/model-files.js';
import { Generator } from '../model/generator.js';
import { languageModelFrom } from '../model/create-language-model.js';
import { sequenceNll } from '../train/evaluate.js';
import { checkStats, type SampleStats, type StatRanges, type StatsCheck, statRanges, tokenStats } from './sample-stats.js';

export const MAX_NLL_REGRESSION = 0.05;

export interface GuardrailVerdict {
  accepted: boolean;
  /** Why: the failed checks, or a one-line summary when accepted. */
  reason: string;
  referenceNll: number;
  candidateNll: number;
  /** candidate / reference − 1 (0.03 = 3 % worse). */
  regression: number;
  stats: StatsCheck;
}

/** Mean token NLL (nats) with full context, end token included — the trainer's validation metric. */
export function validationNll(model: Pick<LoadedModel, 'config' | 'params'>, pieces: ReadonlyArray<ArrayLike<number>>): number {
  const result = sequenceNll(languageModelFrom(model), pieces);
  return result.tokens > 0 ? result.nll / result.tokens : Number.NaN;
}

export interface SampleOptions {
  styles: readonly string[];
  count: number;
  bars: number;
  /** Sampling seed of the first piece; piece i samples with samplingSeed + i. */
  samplingSeed: number;
  temperature?: number;
}

/** `count` pieces from the model (styles in turn), as token streams; deterministic for a sampling seed. */
export function sampleTokens(generator: Generator, options: SampleOptions): number[][] {
  const requests = Array.from({ length: options.count }, (_, i) => ({
    prefix: generator.stylePrefix(options.styles[i % options.styles.length]!),
    maxTokens: options.bars * 160,
    maxBars: options.bars,
    temperature: options.temperature ?? 1,
    samplingSeed: options.samplingSeed + i,
  }));
  const streams: number[][] = [];
  // Batches of 16 streams stepped together: fast, and bounded memory.
  for (let i = 0; i < requests.length; i += 16) {
    for (const r of generator.generateBatch(requests.slice(i, i + 16))) streams.push([...r.prefix, ...r.tokens]);
  }
  return streams;
}

export function sampleStats(generator: Generator, streams: readonly number[][]): Array<SampleStats | null> {
  return streams.map((s) => tokenStats(s, { vocabulary: generator.vocabulary, stepsPerQuarter: generator.stepsPerQuarter }));
}

export function dataRanges(generator: Generator, pieces: ReadonlyArray<ArrayLike<number>>): StatRanges {
  return statRanges(
    sampleStats(
      generator,
      pieces.map((p) => Array.from(p)),
    ).filter((s): s is SampleStats => s !== null),
  );
}

export function judge(input: { referenceNll: number; candidateNll: number; stats: StatsCheck; maxRegression?: number }): GuardrailVerdict {
  const max = input.maxRegression ?? MAX_NLL_REGRESSION;
  const regression = input.candidateNll / input.referenceNll - 1;
  const problems: string[] = [];
  // 1e-9: 2.1 / 2 − 1 is 0.05000000000000004 in floating point.
  if (!Number.isFinite(input.candidateNll) || !(regression <= max + 1e-9)) {
    problems.push(
      `validation NLL ${input.candidateNll.toFixed(4)} is ${(regression * 100).toFixed(1)} % worse than the reference ${input.referenceNll.toFixed(4)} (at most ${(max * 100).toFixed(0)} %)`,
    );
  }
  problems.push(...input.stats.problems);
  const accepted = problems.length === 0;
  const change = `${regression >= 0 ? '+' : ''}${(regression * 100).toFixed(1)} %`;
  return {
    accepted,
    reason: accepted
      ? `validation NLL ${input.candidateNll.toFixed(4)} (${change} vs ${input.referenceNll.toFixed(4)}), sample statistics in range`
      : problems.join('; '),
    referenceNll: input.referenceNll,
    candidateNll: input.candidateNll,
    regression,
    stats: input.stats,
  };
}

export { checkStats };
