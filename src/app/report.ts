/**
 * The quality-report use case (`rhythmix report`, issue #8): the models compose pieces per style
 * (compose's defaults, fixed sampling seeds), src/train/report.ts measures them against the
 * held-out music, examples are rendered through the compose use case, and the Markdown report is
 * written. Composing and rendering are orchestrated here so that train/ keeps to measuring.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Composer, CompositionRequest } from '../compose/composer.js';
import { sameMelody } from '../compose/harmonize.js';
import { styleInstruments } from '../compose/instruments.js';
import { LstmComposer } from '../compose/lstm-composer.js';
import { parseComposeOptions } from '../compose/options.js';
import { buildRequest, composeToFiles, DEFAULT_TRACKS } from '../compose/pipeline.js';
import { loadSeed } from '../compose/seed-input.js';
import { Generator } from '../model/generator.js';
import { barCount, type Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';
import { resolveSoundfont } from '../render/soundfonts.js';
import { locateRenderTools } from '../render/tools.js';
import { reportMarkdown } from '../train/report-markdown.js';
import { collectReport as measureReport, type GenerationRequest, type ModelReport, type ReportGeneration, type ReportOptions } from '../train/report.js';
import { parseInput } from '../util/parse-input.js';

/** Full run / quick: generated pieces per style, reference excerpts per style, examples per style. */
export const REPORT_SIZES = {
  full: { pieces: 100, referencePieces: 100, examples: 2 },
  quick: { pieces: 16, referencePieces: 32, examples: 1 },
} as const;

export const reportInputSchema = z
  .object({
    /** Model names (models/<name>/) or folders. */
    models: z.array(z.string().min(1)).min(1, { error: 'is empty: name at least one model, e.g. jsb-bench' }),
    /** The Markdown report to write. */
    out: z.string().min(1).default('docs/model-report.md'),
    /** Folder for the example pieces; left out: no examples. */
    samplesDir: z.string().min(1).optional(),
    quick: z.boolean().default(false),
    /** Example pieces per model and style (default by size; 0 without samplesDir). */
    examples: z.number().int().min(0, { error: 'must be a whole number ≥ 0' }).optional(),
    pieces: z.number().int().min(2, { error: 'must be a whole number ≥ 2' }).optional(),
    referencePieces: z.number().int().min(2, { error: 'must be a whole number ≥ 2' }).optional(),
    seed: z.number().int().min(0, { error: 'must be a whole number ≥ 0' }).default(1),
    bandwidth: z.enum(['scott', 'silverman']).default('scott'),
  })
  .strict();
export type ReportInput = z.input<typeof reportInputSchema>;

export interface ReportContext {
  readonly onProgress?: (stage: string, fraction: number) => void;
  readonly signal?: AbortSignal;
  /** The command line that makes this report again, for its header. */
  readonly command?: (sizes: { pieces: number; referencePieces: number; examples: number; seed: number; bandwidth: string }) => string;
  /** Render examples on a worker thread (default) or inline. */
  readonly renderIn?: 'worker' | 'inline';
  /** Shared data-set folder (default: src/datasets/paths.ts). */
  readonly datasetsRoot?: string;
}

export interface ReportOutcome {
  readonly report: ModelReport;
  readonly out: string;
  readonly seconds: number;
}

/** A composer that always samples with `seed` (in place of the pipeline's random sampling seed). */
function seededComposer(base: Composer, seed: number): Composer {
  return {
    model: base.model,
    compose: (seedPiece, request, onProgress, signal) => base.compose(seedPiece, { ...request, samplingSeed: seed }, onProgress, signal),
  };
}

/** The form the report's form pieces are composed in: compose's defaults with `--form AABA` (docs/form.md). */
export const REPORT_FORM = 'AABA';

/** `rhythmix harmonize --style <style>` for a melody of whole 4/4 bars: the style's default instruments, melody first. */
function harmonizeRequest(style: Style, melody: Piece, samplingSeed: number): CompositionRequest {
  const bars = Math.max(1, barCount(melody));
  return {
    style,
    instruments: styleInstruments(style, Math.max(2, DEFAULT_TRACKS[style])),
    bars,
    totalBeats: bars * 4,
    bpm: melody.tempos[0]?.bpm ?? 120,
    timeSignature: { numerator: 4, denominator: 4 },
    samplingSeed,
    seedBeats: 0,
    harmonize: true,
  };
}

/** The report's music: compose's defaults per style from an empty seed, the models' own LSTM composers. */
async function composeGeneration(renderIn: 'worker' | 'inline'): Promise<ReportGeneration> {
  const emptySeed = await loadSeed({ seedBars: 4 });
  const requestFor = (style: Style) => buildRequest(parseComposeOptions({ style }), emptySeed);
  const formRequestFor = (style: Style) => buildRequest(parseComposeOptions({ style, form: REPORT_FORM }), emptySeed);
  return {
    form: REPORT_FORM,
    request(style): GenerationRequest {
      const r = requestFor(style);
      return {
        bars: r.bars,
        totalBeats: r.totalBeats,
        tracks: r.instruments.length,
        bpm: r.bpm,
        timeSignature: r.timeSignature,
        ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
        ...(r.topK !== undefined ? { topK: r.topK } : {}),
      };
    },
    composerFor(label, model) {
      const generator = new Generator(model);
      const composer = new LstmComposer(label, generator);
      return {
        // Harmonize needs a note model: a piano-roll frame cannot tell a held melody note from a repeated one.
        ...(generator.writesFrames
          ? {}
          : {
              harmonize: async (style: Style, melody: Piece, samplingSeed: number) => {
                const piece = await composer.compose(melody, harmonizeRequest(style, melody, samplingSeed), () => undefined);
                return { piece, melodyKept: melody.tracks[0] !== undefined && sameMelody(melody.tracks[0], piece.tracks[0]) };
              },
            }),
        compose: (style, samplingSeed) => composer.compose(emptySeed.piece, { ...requestFor(style), samplingSeed }, () => undefined),
        composeForm: (style, samplingSeed) => composer.compose(emptySeed.piece, { ...formRequestFor(style), samplingSeed }, () => undefined),
        renderExample: (style, samplingSeed, dir, onProgress) =>
          // The example is the measured take itself: the report flags copies, it does not re-sample them.
          composeToFiles(parseComposeOptions({ style, outDir: dir, allowCopies: true }), {
            composer: seededComposer(composer, samplingSeed),
            renderIn,
            onProgress: (p) => onProgress(p.fraction),
          }),
      };
    },
  };
}

/** The report's numbers (nothing written): options already sized, as `runReport` and the tests pass them. */
export async function collectReport(options: ReportOptions & { readonly renderIn?: 'worker' | 'inline' }): Promise<ModelReport> {
  if (options.samples > 0) {
    // Fail on a missing tool or soundfont before minutes of work.
    locateRenderTools();
    resolveSoundfont({});
  }
  return measureReport(options, await composeGeneration(options.renderIn ?? 'worker'));
}

/** Measures the models and writes the Markdown report (and the example pieces). */
export async function runReport(input: unknown, context: ReportContext = {}): Promise<ReportOutcome> {
  const options = parseInput(reportInputSchema, input, 'report options');
  const sizes = options.quick ? REPORT_SIZES.quick : REPORT_SIZES.full;
  const pieces = options.pieces ?? sizes.pieces;
  const referencePieces = options.referencePieces ?? sizes.referencePieces;
  const examples = options.samplesDir === undefined ? 0 : (options.examples ?? sizes.examples);
  const started = Date.now();
  const report = await collectReport({
    models: options.models,
    pieces,
    referencePieces,
    samples: examples,
    ...(options.samplesDir === undefined ? {} : { samplesDir: options.samplesDir }),
    seed: options.seed,
    bandwidth: options.bandwidth,
    ...(context.datasetsRoot === undefined ? {} : { datasetsRoot: context.datasetsRoot }),
    ...(context.renderIn === undefined ? {} : { renderIn: context.renderIn }),
    ...(context.onProgress === undefined ? {} : { onProgress: context.onProgress }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  const seconds = (Date.now() - started) / 1000;
  const markdown = reportMarkdown(report, {
    command: context.command?.({ pieces, referencePieces, examples, seed: options.seed, bandwidth: options.bandwidth }) ?? 'rhythmix report',
    reportDir: path.dirname(path.resolve(options.out)),
    runLine: `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(seconds)} s on ${process.platform}/${process.arch}.`,
  });
  await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
  await writeFile(options.out, markdown);
  return { report, out: options.out, seconds };
}
