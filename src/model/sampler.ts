import { InvalidInputError } from '../util/errors.js';
import type { GenerationState, LanguageModel } from './language-model.js';
import { Rng } from './rng.js';

/**
 * Incremental token grammar used as a sampling mask. `TokenStreamState`
 * (src/music/token-stream.ts) fits it as is: its `allowed()` already applies
 * key/scale (pitchClasses), range (minPitch/maxPitch) and maxBars constraints.
 */
export interface TokenMask {
  /** 1 where the id may come next. */
  allowed(): Uint8Array;
  /** Optional multipliers of the next token's probabilities (a soft preference such as a key). */
  weights?(): Float32Array | undefined;
  push(id: number): void;
  /** Bar index of the current position (for stopping at N bars). */
  readonly bar?: number;
  /** Current position in quarter notes (for stopping at N seconds). */
  readonly time?: number;
  readonly isComplete?: boolean;
}

export interface SamplingOptions {
  /** Softmax temperature; 0 = greedy (arg max). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK?: number;
  /** Keep the smallest set whose probability reaches p (1 = off). */
  topP?: number;
  /**
   * Seed of the sampling generator (same sampling seed, same output). Not to be confused with
   * seed notes, which are part of the prefix. Default: 1 + the stream's index in a batch.
   */
  samplingSeed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  /** Tokens fed before sampling (start, style, a seed's encoding…); at least one. */
  prefix: ArrayLike<number>;
  /** Most tokens to sample after the prefix. */
  maxTokens: number;
  /** Stop after sampling this id (the end token). */
  endToken?: number;
  /** Grammar mask; the sampler pushes every prefix and sampled token into it. */
  mask?: TokenMask;
  /** Stop before the stream reaches this bar index (needs mask.bar). */
  maxBars?: number;
  /** Stop once the stream's position reaches this many quarter notes (needs mask.time). */
  maxQuarters?: number;
  /** Custom stop test, called after each sampled token. */
  stop?: (token: number, sampled: number) => boolean;
}

export interface GenerateResult {
  /** Sampled tokens (without the prefix). */
  tokens: number[];
  /** Why sampling ended. */
  reason: 'end-token' | 'max-tokens' | 'max-bars' | 'max-quarters' | 'stop' | 'mask-complete' | 'no-allowed-token';
  /** Summed log-probability of the sampled tokens under the (masked, tempered) sampling distribution. */
  logProbability: number;
}

/** Sampling seed of the first stream of a batch that names none. */
export const DEFAULT_SAMPLING_SEED = 1;

/**
 * The one temperature range: 0 = greedy; above 5 the distribution is all but flat, so nothing
 * musical is left to sample. The compose schema takes its range from here and the bot's
 * `temperature` option a range inside it (src/bot/compose/request.ts).
 */
export const TEMPERATURE_RANGE = { min: 0, max: 5 } as const;
/** Top-k: 0 = off; any larger k than the vocabulary keeps every token. */
export const TOP_K_RANGE = { min: 0, max: 100_000 } as const;

function checkOptions(options: SamplingOptions): void {
  const t = options.temperature ?? 1;
  if (!(t >= TEMPERATURE_RANGE.min && t <= TEMPERATURE_RANGE.max)) {
    throw new InvalidInputError(`{temperature}: must be from ${TEMPERATURE_RANGE.min} to ${TEMPERATURE_RANGE.max} (got ${t})`, {
      field: 'temperature',
      received: t,
    });
  }
  const k = options.topK ?? 0;
  if (!(Number.isInteger(k) && k >= TOP_K_RANGE.min && k <= TOP_K_RANGE.max)) {
    throw new InvalidInputError(`{topK}: must be a whole number from ${TOP_K_RANGE.min} to ${TOP_K_RANGE.max} (got ${k})`, { field: 'topK', received: k });
  }
  const p = options.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new InvalidInputError(`top-p must be in (0, 1], got ${p}`);
}

/**
 * Draws one id from `probs` (length V) after masking, temperature, top-k and
 * top-p. `scratch` is reused between calls to avoid allocation.
 */
export function sampleFrom(
  probs: ArrayLike<number>,
  rng: Rng,
  options: SamplingOptions,
  allowed?: Uint8Array,
  scratch?: Float64Array,
  preference?: Float32Array,
): { id: number; probability: number } {
  const V = probs.length;
  const weights = scratch && scratch.length >= V ? scratch : new Float64Array(V);
  const temperature = options.temperature ?? 1;
  let best = -1;
  let total = 0;
  for (let i = 0; i < V; i++) {
    const p = allowed && !allowed[i] ? 0 : preference ? probs[i]! * preference[i]! : probs[i]!;
    // p^(1/T) renormalised = softmax(logits / T).
    const w = p > 0 ? (temperature === 1 || temperature === 0 ? p : Math.pow(p, 1 / temperature)) : 0;
    weights[i] = w;
    total += w;
    if (w > 0 && (best < 0 || w > weights[best]!)) best = i;
  }
  if (best < 0) {
    // The model gives every allowed token (numerically) zero mass: fall back to uniform over the allowed set.
    for (let i = 0; i < V; i++) weights[i] = allowed && !allowed[i] ? 0 : 1;
    total = allowed ? allowed.reduce((s, a) => s + (a ? 1 : 0), 0) : V;
    if (total === 0) return { id: -1, probability: 0 };
    best = weights.findIndex((w) => w > 0);
  }
  if (temperature === 0) return { id: best, probability: 1 };
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if ((topK > 0 && topK < V) || topP < 1) {
    const order = Array.from({ length: V }, (_, i) => i).filter((i) => weights[i]! > 0);
    order.sort((a, b) => weights[b]! - weights[a]!);
    let keep = topK > 0 ? Math.min(topK, order.length) : order.length;
    if (topP < 1) {
      let mass = 0;
      for (let r = 0; r < keep; r++) {
        mass += weights[order[r]!]! / total;
        if (mass >= topP) {
          keep = r + 1;
          break;
        }
      }
    }
    total = 0;
    for (let r = keep; r < order.length; r++) weights[order[r]!] = 0;
    for (let r = 0; r < keep; r++) total += weights[order[r]!]!;
  }
  let u = rng.next() * total;
  for (let i = 0; i < V; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    u -= w;
    if (u < 0) return { id: i, probability: w / total };
  }
  return { id: best, probability: weights[best]! / total };
}

/**
 * Stateful sampling on a model: batch-1 streams (generate) and several
 * streams advanced together in one batched step (generateBatch).
 */
export class Sampler {
  constructor(readonly net: LanguageModel) {}

  /** Samples one continuation of `options.prefix`. */
  generate(options: GenerateOptions): GenerateResult {
    return this.generateBatch([options])[0]!;
  }

  /**
   * Samples one continuation per options entry, all streams stepping together
   * (one GEMM per layer per step). Each stream keeps its own mask, sampling seed and stop rules.
   */
  generateBatch(streams: readonly GenerateOptions[]): GenerateResult[] {
    const net = this.net;
    const V = net.config.vocabSize;
    const B = streams.length;
    if (B === 0) return [];
    for (const s of streams) {
      checkOptions(s);
      if (s.prefix.length === 0) throw new InvalidInputError('generation needs a prefix of at least one token (the start token)');
      for (let i = 0; i < s.prefix.length; i++) {
        const id = s.prefix[i]!;
        if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new InvalidInputError(`prefix token ${id} is outside the model's vocabulary (0…${V - 1})`);
      }
    }
    const state: GenerationState = net.pooledState(B);
    // Streams without a sampling seed still get distinct ones, so a batch never holds identical twins.
    const rngs = streams.map((s, i) => new Rng(s.samplingSeed ?? DEFAULT_SAMPLING_SEED + i));
    const results: GenerateResult[] = streams.map(() => ({ tokens: [], reason: 'max-tokens', logProbability: 0 }));
    const active = streams.map(() => true);
    const input = new Int32Array(B);
    const positions = streams.map(() => 0); // next prefix index
    const scratch = new Float64Array(V);
    // Feed prefixes (a stream with a shorter prefix starts sampling earlier; inactive rows repeat their last token).
    for (;;) {
      for (let b = 0; b < B; b++) {
        const s = streams[b]!;
        const r = results[b]!;
        if (positions[b]! < s.prefix.length) {
          input[b] = s.prefix[positions[b]!]!;
          s.mask?.push(input[b]!);
          positions[b] = positions[b]! + 1;
        } else if (active[b]) {
          input[b] = r.tokens[r.tokens.length - 1]!;
        }
      }
      const probs = net.step(state, input);
      let anyActive = false;
      for (let b = 0; b < B; b++) {
        const s = streams[b]!;
        const r = results[b]!;
        if (!active[b] || positions[b]! < s.prefix.length) {
          anyActive ||= active[b]!;
          continue;
        }
        const stopReason = this.stopBefore(s, r);
        if (stopReason) {
          r.reason = stopReason;
          active[b] = false;
          continue;
        }
        const allowed = s.mask?.allowed();
        const pick = sampleFrom(probs.subarray(b * V, (b + 1) * V), rngs[b]!, s, allowed, scratch, s.mask?.weights?.());
        if (pick.id < 0) {
          r.reason = 'no-allowed-token';
          active[b] = false;
          continue;
        }
        r.tokens.push(pick.id);
        r.logProbability += Math.log(pick.probability);
        s.mask?.push(pick.id);
        const after = this.stopAfter(s, r, pick.id);
        // The token that crossed the bar/time limit belongs to the part that is cut off.
        if (after === 'max-bars' || after === 'max-quarters') r.tokens.pop();
        if (after) {
          r.reason = after;
          active[b] = false;
          continue;
        }
        anyActive = true;
      }
      if (!anyActive) break;
    }
    return results;
  }

  private stopBefore(s: GenerateOptions, r: GenerateResult): GenerateResult['reason'] | null {
    if (r.tokens.length >= s.maxTokens) return 'max-tokens';
    if (s.mask?.isComplete) return 'mask-complete';
    return null;
  }

  private stopAfter(s: GenerateOptions, r: GenerateResult, id: number): GenerateResult['reason'] | null {
    if (s.endToken !== undefined && id === s.endToken) return 'end-token';
    if (s.maxBars !== undefined && s.mask?.bar !== undefined && s.mask.bar >= s.maxBars) return 'max-bars';
    if (s.maxQuarters !== undefined && s.mask?.time !== undefined && s.mask.time >= s.maxQuarters) return 'max-quarters';
    if (s.stop?.(id, r.tokens.length)) return 'stop';
    if (r.tokens.length >= s.maxTokens) return 'max-tokens';
    return null;
  }
}
