/**
 * The model's vocabulary: every token of the token language (see tokens.ts and
 * docs/tokens.md) with a stable integer id. The vocabulary is versioned and saved with
 * each model (`toJSON` / `Vocabulary.fromJSON`), so a model is never fed ids from a
 * different language.
 *
 *     DEFAULT_VOCABULARY.id('pitch:60')  // => 287
 *     DEFAULT_VOCABULARY.name(1)         // => '<start>'
 */
import { InvalidInputError } from '../util/errors.js';
import type { KeySignature } from './piece.js';
import { STYLES } from './styles.js';
import { quoteInput } from '../util/text.js';

/**
 * Bump when the token language changes meaning; saved models record it. Version 2 added the
 * key tokens, at the end of the id range, so a version-1 vocabulary (a spec without `keys`)
 * is a prefix of a version-2 one and its models still load.
 */
export const TOKEN_LANGUAGE_VERSION = 'rhythmix-tokens/2';
const LANGUAGE_WITHOUT_KEYS = 'rhythmix-tokens/1';
export const VOCABULARY_FORMAT = 'rhythmix-vocabulary';

export type TokenKind =
  'pad' | 'start' | 'end' | 'style' | 'meter' | 'program' | 'drums' | 'track' | 'bar' | 'position' | 'pitch' | 'duration' | 'velocity' | 'key';

/** Kinds in id order. Changing this order is a new TOKEN_LANGUAGE_VERSION. */
const KIND_ORDER: readonly TokenKind[] = [
  'pad',
  'start',
  'end',
  'style',
  'meter',
  'program',
  'drums',
  'track',
  'bar',
  'position',
  'pitch',
  'duration',
  'velocity',
  'key',
];

/** Key tokens: 12 major keys (`key:C` … `key:B`, sharps) then 12 minor (`key:Cm` … `key:Bm`). */
const KEY_TONICS = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

/** `keyTokenName({ tonicPitchClass: 7, mode: 'minor' }) // => 'key:Gm'` */
export function keyTokenName(key: KeySignature): string {
  return `key:${KEY_TONICS[((key.tonicPitchClass % 12) + 12) % 12]!}${key.mode === 'minor' ? 'm' : ''}`;
}

export interface Meter {
  readonly numerator: number;
  readonly denominator: number;
}

/** Time signatures with a token of their own; others are mapped by `tokenMeter`. */
export const SUPPORTED_METERS: readonly Meter[] = [
  ...[2, 3, 4].map((numerator) => ({ numerator, denominator: 2 })),
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 12].map((numerator) => ({ numerator, denominator: 4 })),
  ...[2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15].map((numerator) => ({ numerator, denominator: 8 })),
  ...[3, 5, 7, 9].map((numerator) => ({ numerator, denominator: 16 })),
];

/** What a vocabulary contains; saved in its JSON so it can be rebuilt and checked. */
export interface VocabularySpec {
  readonly styles: readonly string[];
  readonly meters: readonly Meter[];
  /** Tracks a piece may have; switches are track:1 … track:maxTracks-1 (each step starts in track 0). */
  readonly maxTracks: number;
  /** Longest bar in grid steps; position tokens are pos:1 … pos:maxBarSteps-1. */
  readonly maxBarSteps: number;
  /** Longest single duration token in steps; longer notes repeat dur:max (see tokens.ts). */
  readonly maxDurationSteps: number;
  /** Number of velocity bins over 1..127. */
  readonly velocityBins: number;
  /** Key tokens in the header (token language 2); absent or false in version-1 vocabularies. */
  readonly keys?: boolean;
}

export const DEFAULT_VOCABULARY_SPEC: VocabularySpec = {
  styles: STYLES,
  meters: SUPPORTED_METERS,
  maxTracks: 16,
  maxBarSteps: 48,
  maxDurationSteps: 32,
  velocityBins: 16,
  keys: true,
};

export interface VocabularyJSON {
  readonly format: typeof VOCABULARY_FORMAT;
  readonly version: string;
  readonly spec: VocabularySpec;
  readonly tokens: readonly string[];
}

/** Thrown by `Vocabulary.fromJSON` for another language version or a tampered token list. */
export class VocabularyMismatchError extends InvalidInputError {}

export const meterName = (m: Meter): string => `${m.numerator}/${m.denominator}`;

/**
 * The velocity a bin stands for: bins split 1..127 evenly, the top bin is 127.
 *
 *     binVelocity(9, 16)   // => 80
 *     binVelocity(15, 16)  // => 127
 */
export function binVelocity(bin: number, bins = DEFAULT_VOCABULARY_SPEC.velocityBins): number {
  return Math.min(127, Math.round(((bin + 1) * 128) / bins));
}

/**
 * The bin whose velocity is nearest to `velocity`.
 *
 *     velocityBin(80, 16)   // => 9
 *     velocityBin(100, 16)  // => 12  (stands for 104)
 */
export function velocityBin(velocity: number, bins = DEFAULT_VOCABULARY_SPEC.velocityBins): number {
  const bin = Math.round((velocity * bins) / 128) - 1;
  return Math.min(bins - 1, Math.max(0, bin));
}

/** `velocity` moved onto its bin's value: `quantizeVelocity(100) // => 104`. */
export function quantizeVelocity(velocity: number, bins = DEFAULT_VOCABULARY_SPEC.velocityBins): number {
  return binVelocity(velocityBin(velocity, bins), bins);
}

interface KindRange {
  readonly first: number;
  readonly count: number;
}

function kindNames(kind: TokenKind, spec: VocabularySpec): string[] {
  const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
  switch (kind) {
    case 'pad':
      return ['<pad>'];
    case 'start':
      return ['<start>'];
    case 'end':
      return ['<end>'];
    case 'style':
      return spec.styles.map((s) => `style:${s}`);
    case 'meter':
      return spec.meters.map((m) => `meter:${meterName(m)}`);
    case 'program':
      return range(128).map((p) => `program:${p}`);
    case 'drums':
      return ['drums'];
    case 'track':
      return range(spec.maxTracks - 1, 1).map((t) => `track:${t}`);
    case 'bar':
      return ['bar'];
    case 'position':
      return range(spec.maxBarSteps - 1, 1).map((p) => `pos:${p}`);
    case 'pitch':
      return range(128).map((p) => `pitch:${p}`);
    case 'duration':
      return range(spec.maxDurationSteps, 1).map((d) => `dur:${d}`);
    case 'velocity':
      return range(spec.velocityBins).map((b) => `vel:${binVelocity(b, spec.velocityBins)}`);
    case 'key':
      return spec.keys ? (['major', 'minor'] as const).flatMap((mode) => range(12).map((tonicPitchClass) => keyTokenName({ tonicPitchClass, mode }))) : [];
  }
}

function checkSpec(spec: VocabularySpec): void {
  const positiveInt = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
  if (
    !positiveInt(spec.maxTracks, 1) ||
    !positiveInt(spec.maxBarSteps, 2) ||
    !positiveInt(spec.maxDurationSteps, 1) ||
    !positiveInt(spec.velocityBins, 1) ||
    spec.velocityBins > 127 ||
    spec.styles.length === 0 ||
    spec.meters.length === 0
  ) {
    throw new InvalidInputError(`invalid vocabulary spec ${JSON.stringify(spec)}`);
  }
}

/**
 * A bijection between token names and ids 0..size-1, grouped by kind so the token
 * grammar can test a kind with one comparison.
 */
export class Vocabulary {
  readonly version: string;
  readonly spec: VocabularySpec;
  readonly size: number;
  private readonly names: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;
  private readonly ranges: ReadonlyMap<TokenKind, KindRange>;
  private readonly kinds: readonly TokenKind[];
  private readonly meterIds: ReadonlyMap<string, number>;

  constructor(spec: VocabularySpec = DEFAULT_VOCABULARY_SPEC) {
    checkSpec(spec);
    this.version = spec.keys ? TOKEN_LANGUAGE_VERSION : LANGUAGE_WITHOUT_KEYS;
    this.spec = {
      ...spec,
      styles: [...spec.styles],
      meters: spec.meters.map((m) => ({ numerator: m.numerator, denominator: m.denominator })),
    };
    const names: string[] = [];
    const kinds: TokenKind[] = [];
    const ranges = new Map<TokenKind, KindRange>();
    for (const kind of KIND_ORDER) {
      const kindTokens = kindNames(kind, this.spec);
      ranges.set(kind, { first: names.length, count: kindTokens.length });
      names.push(...kindTokens);
      for (let i = 0; i < kindTokens.length; i++) kinds.push(kind);
    }
    this.names = names;
    this.kinds = kinds;
    this.ranges = ranges;
    this.size = names.length;
    this.ids = new Map(names.map((name, id) => [name, id]));
    if (this.ids.size !== names.length) throw new InvalidInputError('vocabulary spec yields duplicate token names');
    this.meterIds = new Map(this.spec.meters.map((m, i) => [meterName(m), this.first('meter') + i]));
  }

  /** The id of a token name; throws for an unknown name. `id('pitch:60') // => 287` */
  id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new InvalidInputError(`unknown token "${name}" in vocabulary ${this.version}`);
    return id;
  }

  has(name: string): boolean {
    return this.ids.has(name);
  }

  /** The name of an id; throws for an id outside 0..size-1. `name(1) // => '<start>'` */
  name(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new InvalidInputError(`token id ${id} is outside the vocabulary (0..${this.size - 1})`);
    return name;
  }

  /** The kind of an id, or undefined outside the vocabulary. */
  kind(id: number): TokenKind | undefined {
    return this.kinds[id];
  }

  private range(kind: TokenKind): KindRange {
    const range = this.ranges.get(kind);
    if (range === undefined) throw new InvalidInputError(`unknown token kind "${kind}"`);
    return range;
  }

  /** First id of a kind. */
  first(kind: TokenKind): number {
    return this.range(kind).first;
  }

  /** Number of tokens of a kind. */
  count(kind: TokenKind): number {
    return this.range(kind).count;
  }

  /** Index of `id` within its kind (pitch:60 → 60, pos:3 → 2, dur:1 → 0, track:2 → 1). */
  offset(id: number): number {
    const kind = this.kinds[id];
    if (kind === undefined) throw new InvalidInputError(`token id ${id} is outside the vocabulary (0..${this.size - 1})`);
    return id - this.first(kind);
  }

  get padId(): number {
    return this.first('pad');
  }
  get startId(): number {
    return this.first('start');
  }
  get endId(): number {
    return this.first('end');
  }
  get barId(): number {
    return this.first('bar');
  }
  get drumsId(): number {
    return this.first('drums');
  }

  styleId(style: string): number {
    const index = this.spec.styles.indexOf(style);
    if (index < 0) throw new InvalidInputError(`unknown style ${quoteInput(style)}: expected one of ${this.spec.styles.join(', ')}`);
    return this.first('style') + index;
  }

  /** The id of an exactly supported meter, or undefined (see `tokenMeter`). */
  meterId(meter: Meter): number | undefined {
    return this.meterIds.get(meterName(meter));
  }

  meter(id: number): Meter {
    const meter = this.kinds[id] === 'meter' ? this.spec.meters[id - this.first('meter')] : undefined;
    if (meter === undefined) throw new InvalidInputError(`token id ${id} is not a meter token`);
    return meter;
  }

  programId(program: number): number {
    return this.first('program') + program;
  }
  /** Switch to track `track` (1..maxTracks-1). */
  trackId(track: number): number {
    return this.first('track') + track - 1;
  }
  /** Position `pos` (1..maxBarSteps-1) steps after the bar line. */
  positionId(pos: number): number {
    return this.first('position') + pos - 1;
  }
  pitchId(pitch: number): number {
    return this.first('pitch') + pitch;
  }
  /** Duration of `steps` (1..maxDurationSteps). */
  durationId(steps: number): number {
    return this.first('duration') + steps - 1;
  }
  velocityId(bin: number): number {
    return this.first('velocity') + bin;
  }

  /** Whether the header can name the piece's key (token language 2). */
  get hasKeys(): boolean {
    return this.count('key') > 0;
  }
  /** The key token of a key; throws for a vocabulary without keys. */
  keyId(key: KeySignature): number {
    return this.id(keyTokenName(key));
  }
  keySignature(id: number): KeySignature {
    if (this.kinds[id] !== 'key') throw new InvalidInputError(`token id ${id} is not a key token`);
    const offset = id - this.first('key');
    return { tonicPitchClass: offset % 12, mode: offset >= 12 ? 'minor' : 'major' };
  }

  /** The token names of an id sequence, for logs and docs. */
  describe(ids: Iterable<number>): string[] {
    return [...ids].map((id) => this.names[id] ?? `<unknown ${id}>`);
  }

  toJSON(): VocabularyJSON {
    return { format: VOCABULARY_FORMAT, version: this.version, spec: this.spec, tokens: [...this.names] };
  }

  /**
   * Rebuild a saved vocabulary. Throws `VocabularyMismatchError` when it was saved by
   * another token-language version or its token list differs from what its spec builds.
   */
  static fromJSON(json: unknown): Vocabulary {
    const data = json as Partial<VocabularyJSON> | null;
    if (data === null || typeof data !== 'object' || data.format !== VOCABULARY_FORMAT) {
      throw new VocabularyMismatchError(`not a Rhythmix vocabulary (expected format "${VOCABULARY_FORMAT}")`);
    }
    if (data.version !== TOKEN_LANGUAGE_VERSION && data.version !== LANGUAGE_WITHOUT_KEYS) {
      throw new VocabularyMismatchError(
        `vocabulary version "${String(data.version)}" differs from this program's token language "${TOKEN_LANGUAGE_VERSION}" (or "${LANGUAGE_WITHOUT_KEYS}")`,
      );
    }
    if (data.spec === undefined || !Array.isArray(data.tokens)) {
      throw new VocabularyMismatchError('vocabulary JSON lacks "spec" or "tokens"');
    }
    let vocabulary: Vocabulary;
    try {
      vocabulary = new Vocabulary(data.spec);
    } catch (error) {
      throw new VocabularyMismatchError(`vocabulary spec cannot be rebuilt: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (vocabulary.version !== data.version) {
      throw new VocabularyMismatchError(`vocabulary version "${data.version}" does not match its spec (which builds "${vocabulary.version}")`);
    }
    const tokens = data.tokens;
    const differs = tokens.length !== vocabulary.size || tokens.some((name, id) => name !== vocabulary.names[id]);
    if (differs) {
      throw new VocabularyMismatchError(`vocabulary token list does not match its spec (${tokens.length} tokens, expected ${vocabulary.size})`);
    }
    return vocabulary;
  }

  /** True when `other` has exactly the same tokens (same version and spec). */
  equals(other: Vocabulary): boolean {
    return this.version === other.version && this.size === other.size && this.names.every((n, i) => n === other.names[i]);
  }
}

export const DEFAULT_VOCABULARY = new Vocabulary();

/**
 * The meter a piece's time signature is written as in tokens. An exactly supported
 * meter whose bar is a whole number of steps (≤ maxBarSteps) is itself; otherwise the
 * supported meter with the same bar length (preferring the same denominator, then quarter
 * notes), else 4/4.
 * Only the bar grid depends on it: notes keep their exact positions either way.
 *
 *     tokenMeter({ numerator: 6, denominator: 8 }, 4)   // => 6/8
 *     tokenMeter({ numerator: 17, denominator: 16 }, 4) // => 4/4 (no 17/16 token)
 */
export function tokenMeter(meter: Meter, stepsPerQuarter: number, vocabulary: Vocabulary = DEFAULT_VOCABULARY): Meter {
  const fits = (m: Meter): boolean => {
    const steps = (m.numerator * 4 * stepsPerQuarter) / m.denominator;
    return Number.isInteger(steps) && steps >= 1 && steps <= vocabulary.spec.maxBarSteps;
  };
  const exact = vocabulary.spec.meters.find((m) => m.numerator === meter.numerator && m.denominator === meter.denominator);
  if (exact !== undefined && fits(exact)) return exact;
  const length = meter.numerator / meter.denominator;
  const sameLength = vocabulary.spec.meters.filter((m) => fits(m) && m.numerator / m.denominator === length);
  const preferred = sameLength.find((m) => m.denominator === meter.denominator) ?? sameLength.find((m) => m.denominator === 4) ?? sameLength[0];
  if (preferred !== undefined) return preferred;
  const common = vocabulary.spec.meters.find((m) => m.numerator === 4 && m.denominator === 4 && fits(m)) ?? vocabulary.spec.meters.find(fits);
  if (common === undefined) {
    throw new InvalidInputError(`no meter of vocabulary ${vocabulary.version} fits a grid of ${stepsPerQuarter} steps per quarter`);
  }
  return common;
}

/** Bar length in grid steps of a meter: `meterSteps({numerator: 6, denominator: 8}, 4) // => 12`. */
export function meterSteps(meter: Meter, stepsPerQuarter: number): number {
  return (meter.numerator * 4 * stepsPerQuarter) / meter.denominator;
}
