/**
 * The model quality report (`rhythmix report`, issue #8): likelihood on the held-out splits,
 * mgeval feature-distribution overlaps between generated and held-out music per style, bar
 * repetition and degenerate generated pieces with issue #13's targets (structure.ts, targets.ts),
 * model cards, and example pieces. This module measures; what it measures is composed (and the
 * examples rendered) by the report use case (src/app/report.ts), which hands the pieces in through
 * `ReportGeneration`. report-markdown.ts writes the numbers as docs/model-report.md.
 *
 * Deterministic for a seed: generation uses fixed sampling seeds, reference excerpts are picked
 * by position, and nothing depends on the clock except the run's duration line.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { assignSplit } from '../datasets/build.js';
import type { Dataset, Split } from '../datasets/dataset.js';
import { openDataset } from '../datasets/spec.js';
import { FEATURE_NAMES, pieceFeatures, type PieceFeatures } from '../music/features.js';
import { degenerateReasons } from '../music/degenerate.js';
import { barCount, barStartBeats, noteCount, slicePiece, type Piece } from '../music/piece.js';
import { DEFAULT_STEPS_PER_QUARTER, quantizePiece } from '../music/quantize.js';
import { barRepetition, type Repetition } from '../music/repetition.js';
import { STYLES, type Style } from '../music/styles.js';
import type { RecurrentCell } from '../model/cells.js';
import { cellOf, paramCount } from '../model/config.js';
import { cardNumber, loadModel, MODEL_FILES, resolveModelDir, trainingStages, type LoadedModel } from '../model/model-files.js';
import { errorMessage, InvalidInputError, MissingDependencyError, RhythmixError } from '../util/errors.js';
import { datasetSpecForModel, evaluateModelOnDataset, type EvaluationResult } from './evaluate-dataset.js';
import { compareSets, summarize, type Bandwidth, type SetComparison } from './mgeval.js';
import {
  degenerateRow,
  degenerateTotal,
  heldOutCheck,
  formRepetitionRow,
  repetitionRow,
  repetitionSet,
  type FormRepetitionRow,
  type DegeneratePiece,
  type DegenerateRow,
  type DegenerateTotal,
  type HeldOutCheck,
  type RepetitionRow,
} from './structure.js';
import { issueTargets, type TargetRow } from './targets.js';
import { loadOriginalityIndex } from '../model/originality-file.js';
import { originalityRow, type OriginalityRow } from './originality.js';
import type { FeatureRow, OverlapSection } from './overlap-section.js';
import { datasetsRoot } from '../datasets/paths.js';
import { harmonizeClashRow, loadTestChorales, type Chorale, type HarmonizeClashRow, type HarmonizedTake } from './harmonize-clash.js';

export type { FeatureRow, OverlapSection } from './overlap-section.js';

/** The held-out music of each style: where it comes from and which split. */
export interface HeldOutSpec {
  readonly style: Style;
  readonly data: string;
  readonly split: Split;
  readonly description: string;
}

/**
 * Game soundtracks have no standard split: `rhythmix dataset build` puts a piece in valid by a
 * hash of its id with these defaults (`--seed 0 --valid-fraction 0.1`), and so does the report.
 */
export const GAME_SPLIT = { seed: 0, validFraction: 0.1 } as const;

export const HELD_OUT: Readonly<Record<Style, HeldOutSpec>> = {
  classical: { style: 'classical', data: 'jsb', split: 'test', description: 'JSB chorales, test split' },
  folk: { style: 'folk', data: 'nottingham', split: 'valid', description: 'Nottingham, valid split' },
  game: {
    style: 'game',
    data: 'game',
    split: 'valid',
    description: `game soundtracks, valid split by id hash (seed ${GAME_SPLIT.seed}, fraction ${GAME_SPLIT.validFraction}, as \`dataset build\`)`,
  },
};

/** Published JSB chorales test frame NLLs (nats per quarter-note frame). */
export const JSB_YARDSTICKS: ReadonlyArray<{ model: string; frameNll: number; source: string }> = [
  { model: 'LSTM', frameNll: 8.67, source: 'Chung et al. 2014' },
  { model: 'GRU', frameNll: 8.54, source: 'Chung et al. 2014' },
  { model: 'RNN-RBM', frameNll: 6.27, source: 'Boulanger-Lewandowski et al. 2012' },
  { model: 'RNN-NADE', frameNll: 5.56, source: 'Boulanger-Lewandowski et al. 2012' },
];
export const JSB_GOAL = 5.5;
export const JSB_LIMIT = 6.5;

export interface ReportOptions {
  /** Model names (models/<name>/) or folders. */
  readonly models: readonly string[];
  /** Generated pieces per (model, style). */
  readonly pieces: number;
  /** Most reference excerpts per style. */
  readonly referencePieces: number;
  /** Example pieces rendered per (model, style); 0 = none. */
  readonly samples: number;
  /** Folder for the example pieces (MIDI, Ogg, PNG); needed when samples > 0. */
  readonly samplesDir?: string;
  readonly seed: number;
  readonly bandwidth?: Bandwidth;
  /** Shared data-set folder (default: paths.ts). */
  readonly datasetsRoot?: string;
  readonly onProgress?: (stage: string, fraction: number) => void;
  /** Stops the run between pieces. */
  readonly signal?: AbortSignal;
}

/** What a generated piece of a style is asked to be: compose's defaults for that style. */
export interface GenerationRequest {
  readonly bars: number;
  /** Length in quarter notes. */
  readonly totalBeats: number;
  readonly tracks: number;
  readonly bpm: number;
  readonly timeSignature: { readonly numerator: number; readonly denominator: number };
  readonly temperature?: number;
  readonly topK?: number;
}

/** The files of one rendered example piece. */
export type ExampleFiles = Pick<SampleFiles, 'midi' | 'audio' | 'image' | 'bars' | 'notes' | 'seconds'>;

/**
 * How the report gets its music, handed in by the report use case: the request per style, and
 * per model a function composing a piece with a fixed sampling seed and one rendering an example.
 */
export interface ReportGeneration {
  request(style: Style): GenerationRequest;
  /** The form the form pieces are composed in (`compose --form`), e.g. "AABA". */
  readonly form: string;
  composerFor(label: string, model: LoadedModel): ReportComposer;
}

export interface ReportComposer {
  compose(style: Style, samplingSeed: number): Promise<Piece>;
  /** The same request in the report's form (ReportGeneration.form). */
  composeForm(style: Style, samplingSeed: number): Promise<Piece>;
  /** Renders example `samplingSeed` of `style` into `dir` (MIDI, Ogg, PNG). */
  renderExample(style: Style, samplingSeed: number, dir: string, onProgress: (fraction: number) => void): Promise<ExampleFiles>;
  /**
   * Harmonizes `melody` (its first track) as `rhythmix harmonize` does with the style's defaults;
   * absent for a model that cannot harmonize (piano-roll frames).
   */
  harmonize?(style: Style, melody: Piece, samplingSeed: number): Promise<{ piece: Piece; melodyKept: boolean }>;
}

export interface ModelSummary {
  /** As named on the command line (folder name for a path). */
  label: string;
  dir: string;
  cardName: string | null;
  styles: Style[];
  parameters: number;
  bytes: number;
  embedding: number;
  layers: number[];
  /** The recurrent cell of the layers. */
  cell: RecurrentCell;
  vocabSize: number;
  epochs: number | null;
  trainingSeconds: number | null;
  validationNll: number | null;
  trainingPieces: number | null;
  trainingTokens: number | null;
  createdAt: string | null;
}

export interface LikelihoodRow {
  model: string;
  style: Style;
  data: string;
  split: Split;
  result: EvaluationResult;
}

export interface SampleFiles {
  model: string;
  style: Style;
  seed: number;
  dir: string;
  midi: string;
  audio: string;
  image: string;
  bars: number;
  notes: number;
  seconds: number;
}

/** An example that could not be rendered: the report is still written and names it. */
export interface SampleFailure {
  model: string;
  style: Style;
  seed: number;
  dir: string;
  error: string;
}

export interface GenerationSettings {
  bars: number;
  bpm: number;
  timeSignature: string;
  tracks: number;
  temperature: string;
  topK: string;
  topP: string;
  seed: number;
}

export interface ModelReport {
  models: ModelSummary[];
  /** Styles no listed model covers. */
  uncoveredStyles: Style[];
  likelihood: LikelihoodRow[];
  generation: GenerationSettings;
  overlaps: OverlapSection[];
  /** Bar repetition of generated vs held-out music per (model, style) (src/music/repetition.ts). */
  repetition: RepetitionRow[];
  /** Bar repetition of pieces composed in a form vs the free ones and held-out (docs/form.md). */
  form: FormRepetitionRow[];
  /** Degenerate generated pieces per (model, style) and in total (src/music/degenerate.ts). */
  degenerate: DegenerateTotal;
  /** Issue #13's targets checked against the numbers above (targets.ts). */
  targets: TargetRow[];
  /** Longest phrase shared with the training data per (model, style) (originality.ts). */
  originality?: OriginalityRow[];
  /** Clash rate of harmonized held-out melodies vs Bach and chance per (model, style) (harmonize-clash.ts). */
  harmonize?: HarmonizeClashRow[];
  samples: SampleFiles[];
  sampleFailures: SampleFailure[];
  options: { models: string[]; pieces: number; referencePieces: number; samples: number; seed: number; bandwidth: Bandwidth };
}

function modelLabel(nameOrPath: string): string {
  return path.basename(resolveModelDir(nameOrPath));
}

/** Fails before any work when a model is missing, naming each missing one. */
export function checkModelsExist(models: readonly string[]): void {
  if (models.length === 0) throw new InvalidInputError('{models} is empty: name at least one model, e.g. {models} jsb-bench', { field: 'models' });
  const missing = models.filter((m) => !existsSync(path.join(resolveModelDir(m), MODEL_FILES.topology)));
  if (missing.length === 0) return;
  const present = models.filter((m) => !missing.includes(m));
  const list = missing.map((m) => `${m} (${path.join(resolveModelDir(m), MODEL_FILES.topology)} does not exist)`).join(', ');
  const hint = missing.map((m) => `\`rhythmix train --preset ${modelLabel(m)}\``).join(' / ');
  throw new MissingDependencyError(
    `model${missing.length > 1 ? 's' : ''} missing: ${list}. Train ${missing.length > 1 ? 'them' : 'it'} (${hint})` +
      (present.length > 0 ? ` or leave ${missing.length > 1 ? 'them' : 'it'} out: {models} ${present.join(',')}` : ''),
  );
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of Object.values(MODEL_FILES)) {
    const full = path.join(dir, file);
    if (existsSync(full)) total += (await stat(full)).size;
  }
  return total;
}

/** The styles a model was trained on (its card), else all of them. */
export function modelStyles(model: LoadedModel): Style[] {
  const listed = model.card?.data?.styles;
  const styles = Array.isArray(listed) ? STYLES.filter((s) => listed.includes(s)) : [];
  return styles.length > 0 ? styles : [...STYLES];
}

function totalTrainingSeconds(card: LoadedModel['card']): number | null {
  if (cardNumber(card?.trainingSeconds) === null || !card) return null;
  return trainingStages(card).reduce((sum, stage) => sum + stage.trainingSeconds, 0);
}

async function summarizeModel(label: string, model: LoadedModel): Promise<ModelSummary> {
  const card = model.card;
  return {
    label,
    dir: model.dir,
    cardName: card?.name ?? null,
    styles: modelStyles(model),
    parameters: paramCount(model.config),
    bytes: await folderBytes(model.dir),
    embedding: model.config.embedding,
    layers: [...model.config.layers],
    cell: cellOf(model.config),
    vocabSize: model.config.vocabSize,
    epochs: cardNumber(card?.epochs),
    // A two-stage preset's card lists its earlier stages; the time to rebuild the model is the sum.
    trainingSeconds: totalTrainingSeconds(card),
    validationNll: cardNumber(card?.validationNll),
    trainingPieces: cardNumber(card?.data?.pieces),
    trainingTokens: cardNumber(card?.data?.tokens),
    createdAt: typeof card?.createdAt === 'string' ? card.createdAt : null,
  };
}

/**
 * The held-out split of a style as a data set (entries of that split only). `model` picks how a
 * piano roll is read for scoring it (see datasetSpecForModel); features always use the standard reading.
 */
export async function heldOutDataset(style: Style, root?: string, model?: Pick<LoadedModel, 'card'>): Promise<Dataset> {
  const spec = HELD_OUT[style];
  const dataset = await openDataset(model ? datasetSpecForModel(spec.data, model) : spec.data, root === undefined ? {} : { root });
  const entries = dataset.entries.filter((e) => assignSplit(e, GAME_SPLIT.seed, GAME_SPLIT.validFraction) === spec.split);
  if (entries.length === 0) throw new InvalidInputError(`data set ${spec.data} has no ${spec.split} pieces`);
  return { ...dataset, name: `${dataset.name} ${spec.split}`, entries };
}

/**
 * Excerpts of `bars` bars, the length of a generated piece, so length-dependent features
 * (pitch range above all) compare like with like: each piece's first window, and each later
 * window the piece fills completely.
 */
export function excerpts(piece: Piece, bars: number): Piece[] {
  const total = barCount(piece);
  const out: Piece[] = [];
  for (let first = 0; first === 0 || first + bars <= total; first += bars) {
    const excerpt = slicePiece(piece, barStartBeats(piece, first), barStartBeats(piece, first + bars));
    if (noteCount(excerpt) > 0) out.push(excerpt);
    if (total === 0) break;
  }
  return out;
}

/** `count` items spread evenly over the list (all of them when it is short enough). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, j) => items[Math.floor((j * items.length) / count)] as T);
}

async function referenceSet(dataset: Dataset, bars: number, cap: number): Promise<{ pieces: number; excerpts: Piece[]; total: number }> {
  const all: Piece[] = [];
  let pieces = 0;
  for (const entry of dataset.entries) {
    let piece: Piece;
    try {
      piece = quantizePiece(dataset.prepare(await entry.load()), { stepsPerQuarter: DEFAULT_STEPS_PER_QUARTER }).piece;
    } catch (error) {
      if (!(error instanceof RhythmixError)) throw error;
      continue; // the likelihood table lists unusable entries as skipped
    }
    pieces += 1;
    all.push(...excerpts(piece, bars));
  }
  return { pieces, excerpts: spread(all, cap), total: all.length };
}

/** Sampling seed of generated piece `index` of a style: distinct per style and piece, fixed by the report's seed. */
export function pieceSeed(seed: number, style: Style, index: number): number {
  return (seed * 1_000_003 + STYLES.indexOf(style) * 100_003 + index + 1) >>> 0;
}

function emptyComparison(generatedPieces: number, referencePieces: number): SetComparison {
  const none = summarize([]);
  return {
    overlap: NaN,
    overlapDataRange: NaN,
    kl: NaN,
    bandwidths: [NaN, NaN],
    intra: none,
    inter: none,
    generatedIntra: none,
    referencePieces,
    generatedPieces,
  };
}

/** Shannon entropy of a histogram that sums to 1, in bits. */
export function entropyBits(histogram: readonly number[]): number {
  return histogram.reduce((sum, p) => (p > 0 ? sum - p * Math.log2(p) : sum), 0);
}

function featureRows(generated: readonly PieceFeatures[], reference: readonly PieceFeatures[], bandwidth: Bandwidth): FeatureRow[] {
  return FEATURE_NAMES.map((feature) => {
    const gen = generated.map((f) => f[feature]).filter((v): v is readonly number[] => v !== undefined);
    const ref = reference.map((f) => f[feature]).filter((v): v is readonly number[] => v !== undefined);
    // Too few pieces with this feature (e.g. every generated piece a single chord): no density to compare.
    const comparison = gen.length >= 1 && ref.length >= 2 ? compareSets(gen, ref, { bandwidth }) : emptyComparison(gen.length, ref.length);
    // A histogram is summarised by its entropy: how evenly the notes spread over its bins.
    const value = ref[0]?.length === 1 ? (v: readonly number[]) => v[0] as number : entropyBits;
    return { feature, ...comparison, referenceValue: summarize(ref.map(value)), generatedValue: summarize(gen.map(value)) };
  });
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Measures every number of the report on the music `generation` makes (options checked by src/app/report.ts). */
export async function collectReport(options: ReportOptions, generation: ReportGeneration): Promise<ModelReport> {
  const progress = options.onProgress ?? (() => undefined);
  const bandwidth = options.bandwidth ?? 'scott';
  checkModelsExist(options.models);

  const loaded: Array<{ label: string; model: LoadedModel }> = [];
  for (const name of options.models) loaded.push({ label: modelLabel(name), model: await loadModel(name) });
  const labels = loaded.map((m) => m.label);
  if (new Set(labels).size !== labels.length) throw new InvalidInputError(`{models} names a model twice: ${labels.join(', ')}`, { field: 'models' });
  const models = await Promise.all(loaded.map(({ label, model }) => summarizeModel(label, model)));
  const covered = new Set(models.flatMap((m) => m.styles));

  const requestFor = (style: Style): GenerationRequest => generation.request(style);
  const defaults = requestFor('classical');

  const likelihood: LikelihoodRow[] = [];
  const overlaps: OverlapSection[] = [];
  const samples: SampleFiles[] = [];
  const sampleFailures: SampleFailure[] = [];
  const repetition: RepetitionRow[] = [];
  const form: FormRepetitionRow[] = [];
  const degenerate: DegenerateRow[] = [];
  const originality: OriginalityRow[] = [];
  const harmonize: HarmonizeClashRow[] = [];
  let chorales: Chorale[] | undefined;
  interface Reference {
    pieces: number;
    excerpts: Piece[];
    features: PieceFeatures[];
    repetition: Array<Repetition | undefined>;
    degenerate: HeldOutCheck;
    total: number;
    count: number;
  }
  const referenceCache = new Map<Style, Reference>();

  for (const { label, model } of loaded) {
    const styles = modelStyles(model);
    const composer = generation.composerFor(label, model);
    const index = await loadOriginalityIndex(model.dir);
    for (const style of styles) {
      const spec = HELD_OUT[style];
      progress(`${label}: NLL on ${spec.data} ${spec.split}`, 0);
      await tick();
      const scored = await heldOutDataset(style, options.datasetsRoot, model);
      likelihood.push({
        model: label,
        style,
        data: datasetSpecForModel(spec.data, model),
        split: spec.split,
        result: await evaluateModelOnDataset(model, scored),
      });

      let reference = referenceCache.get(style);
      if (reference === undefined) {
        progress(`${style}: reference features`, 0);
        await tick();
        const set = await referenceSet(await heldOutDataset(style, options.datasetsRoot), defaults.bars, options.referencePieces);
        reference = {
          pieces: set.pieces,
          excerpts: set.excerpts,
          features: set.excerpts.map(pieceFeatures),
          repetition: set.excerpts.map((p) => barRepetition(p)),
          degenerate: heldOutCheck(set.excerpts.map((p) => degenerateReasons(p, { requestedTracks: requestFor(style).tracks }))),
          total: set.total,
          count: set.excerpts.length,
        };
        referenceCache.set(style, reference);
      }

      const request = requestFor(style);
      const generated: PieceFeatures[] = [];
      const generatedRepetition: Array<Repetition | undefined> = [];
      const checked: DegeneratePiece[] = [];
      const takes: Array<{ seed: number; piece: Piece }> = [];
      let empty = 0;
      for (let i = 0; i < options.pieces; i++) {
        progress(`${label}: composing ${style}`, i / options.pieces);
        await tick();
        options.signal?.throwIfAborted();
        const seed = pieceSeed(options.seed, style, i);
        const piece = await composer.compose(style, seed);
        if (noteCount(piece) === 0) empty += 1;
        generated.push(pieceFeatures(piece));
        generatedRepetition.push(barRepetition(piece));
        checked.push({ seed, reasons: degenerateReasons(piece, { requestedTracks: request.tracks, lengthBeats: request.totalBeats }) });
        takes.push({ seed, piece });
      }
      originality.push(originalityRow(label, style, index, takes, reference.excerpts));
      repetition.push(repetitionRow(label, style, repetitionSet(generatedRepetition), repetitionSet(reference.repetition)));
      // The same sampling seeds in the report's form: what the form changes, piece for piece.
      const formRepetition: Array<Repetition | undefined> = [];
      for (let i = 0; i < options.pieces; i++) {
        progress(`${label}: composing ${style} in ${generation.form}`, i / options.pieces);
        await tick();
        options.signal?.throwIfAborted();
        formRepetition.push(barRepetition(await composer.composeForm(style, pieceSeed(options.seed, style, i))));
      }
      form.push(
        formRepetitionRow(
          label,
          style,
          generation.form,
          repetitionSet(generatedRepetition),
          repetitionSet(formRepetition),
          repetitionSet(reference.repetition),
        ),
      );
      if (composer.harmonize !== undefined) {
        // The JSB test sopranos as melodies, as many as reference excerpts (docs/harmonize.md).
        chorales ??= spread(await loadTestChorales(options.datasetsRoot ?? datasetsRoot()), options.referencePieces);
        const harmonized: HarmonizedTake[] = [];
        for (const [i, c] of chorales.entries()) {
          progress(`${label}: harmonizing ${style}`, i / chorales.length);
          await tick();
          options.signal?.throwIfAborted();
          harmonized.push({ chorale: c, ...(await composer.harmonize(style, c.melody, pieceSeed(options.seed, style, i))) });
        }
        harmonize.push(harmonizeClashRow(label, style, harmonized));
      }
      degenerate.push(degenerateRow(label, style, checked, reference.degenerate));
      progress(`${label}: ${style} overlaps`, 0);
      await tick();
      overlaps.push({
        model: label,
        style,
        reference: { description: spec.description, pieces: reference.pieces, excerpts: reference.count, available: reference.total, bars: defaults.bars },
        generated: { pieces: options.pieces, empty, seeds: [pieceSeed(options.seed, style, 0), pieceSeed(options.seed, style, options.pieces - 1)] },
        features: featureRows(generated, reference.features, bandwidth),
      });

      for (let i = 0; i < options.samples && options.samplesDir !== undefined; i++) {
        const seed = pieceSeed(options.seed, style, i);
        const dir = path.join(options.samplesDir, `${label}-${style}-${i + 1}`);
        progress(`${label}: rendering ${style} example ${i + 1}`, 0);
        try {
          const summary = await composer.renderExample(style, seed, dir, (fraction) => progress(`${label}: rendering ${style} example ${i + 1}`, fraction));
          samples.push({
            model: label,
            style,
            seed,
            dir,
            midi: summary.midi,
            audio: summary.audio,
            image: summary.image,
            bars: summary.bars,
            notes: summary.notes,
            seconds: summary.seconds,
          });
        } catch (error) {
          // Minutes of measurements are not thrown away for one example: the report names it.
          sampleFailures.push({ model: label, style, seed, dir, error: errorMessage(error) });
        }
      }
    }
  }

  return {
    models,
    uncoveredStyles: STYLES.filter((s) => !covered.has(s)),
    likelihood,
    generation: {
      bars: defaults.bars,
      bpm: defaults.bpm,
      timeSignature: `${defaults.timeSignature.numerator}/${defaults.timeSignature.denominator}`,
      tracks: defaults.tracks,
      temperature: defaults.temperature === undefined ? '1 (engine default)' : String(defaults.temperature),
      topK: defaults.topK === undefined ? 'off (engine default)' : String(defaults.topK),
      topP: '1 (off, engine default)',
      seed: options.seed,
    },
    overlaps,
    repetition,
    form,
    degenerate: degenerateTotal(degenerate),
    targets: issueTargets({
      overlaps,
      repetition,
      degenerate: { rows: degenerate },
      likelihood: likelihood.map((l) => ({ model: l.model, style: l.style, data: l.data, frameNll: l.result.frame_nll })),
    }),
    originality,
    harmonize,
    samples,
    sampleFailures,
    options: {
      models: [...options.models],
      pieces: options.pieces,
      referencePieces: options.referencePieces,
      samples: options.samples,
      seed: options.seed,
      bandwidth,
    },
  };
}
