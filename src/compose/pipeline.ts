/**
 * The compose pipeline behind the compose use case (src/app/compose.ts): options → seed notes →
 * Composer (the model) → piece.mid, piece.ogg, piece.png (and with `score` piece.musicxml and
 * score.png) in the output directory → a summary.
 * Every compose samples with a sampling seed — the one asked for, else a fresh random one — and
 * reports it, so any take can be made again. Rendering runs on a worker thread by default so
 * callers' event loops stay responsive.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeMidi } from '../midi/write.js';
import { formPlan, parseForm } from '../music/form.js';
import { keySignatureName, parseKey } from '../music/key.js';
import { barLengthBeats, beatsToSeconds, noteCount, pieceLengthBeats, type Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';
import { RENDER_LIMIT_ENV, resolveRenderLimits } from '../render/limits.js';
import { barsToBeats } from '../render/bars.js';
import { runRenderJob, runRenderJobInWorker, type RenderJob, type RenderJobProgress } from '../render/render-job.js';
import type { ScorePreview } from '../render/score.js';
import { resolveSoundfont } from '../render/soundfonts.js';
import { locateRenderTools } from '../render/tools.js';
import { InvalidInputError, RhythmixError } from '../util/errors.js';
import type { Composer, ComposerLoader, CompositionRequest } from './composer.js';
import { loadComposer } from './load-composer.js';
import { parseInstrumentList, styleInstruments } from './instruments.js';
import { randomSamplingSeed, type ComposeOptions } from './options.js';
import { loadSeed, type SeedNotes } from './seed-input.js';
import { composeOriginal, type OriginalityLookup, type OriginalityOutcome } from './originality.js';

export const DEFAULT_BARS = 16;
/** Tracks for `--tracks` left out and no `--instruments`: melody and accompaniment. */
/**
 * Tracks a piece gets when neither instruments nor a count are asked for: as many as the style's
 * training music has. The chorales are one track of four voices, so a second classical track
 * would stay empty.
 */
export const DEFAULT_TRACKS: Readonly<Record<Style, number>> = { classical: 1, folk: 2, game: 2 };

export type ComposeProgress =
  | { readonly stage: 'seed' | 'midi' | 'done'; readonly fraction: number }
  | { readonly stage: 'compose'; readonly fraction: number; readonly message?: string }
  | RenderJobProgress;

export interface ComposeDependencies {
  /** A composer to use as is (tests, the bot's loaded model); else `loadComposer(options.model)`. */
  readonly composer?: Composer;
  readonly loadComposer?: ComposerLoader;
  /** 'worker' (default) renders on a worker thread (needs `npm run build`); 'inline' in this thread. */
  readonly renderIn?: 'worker' | 'inline';
  readonly onProgress?: (progress: ComposeProgress) => void;
  readonly signal?: AbortSignal;
  /** Finds the originality index of the composer's model; default: the one beside it (src/model/originality-file.ts). */
  readonly originality?: OriginalityLookup;
  /**
   * With `score`, leaves score.png to the caller so the piece does not wait for the engraving (the
   * bot engraves it after posting: src/bot/compose/score-engraver.ts): only piece.musicxml is
   * written, the summary has no `scorePng`, and this receives the MusicXML to engrave it from.
   */
  readonly onScoreLater?: (preview: ScorePreview) => void;
}

export interface TrackSummary {
  readonly name: string;
  readonly program: number;
  readonly isDrum: boolean;
  readonly notes: number;
}

export interface ComposeSummary {
  readonly midi: string;
  readonly audio: string;
  readonly image: string;
  /** Length of the audio, seconds (release tail included). */
  readonly seconds: number;
  readonly notes: number;
  readonly model: string;
  readonly style: string;
  readonly bars: number;
  readonly tempo: number;
  readonly key?: string;
  /** The piece's time signature, e.g. "3/4". */
  readonly meter: string;
  /** The form asked for (letters or name, e.g. "AABA"), null without one. */
  readonly form: string | null;
  readonly seedBars: number;
  /** The sampler's seed: the same value with the same options composes the same piece. */
  readonly samplingSeed: number;
  readonly tracks: readonly TrackSummary[];
  readonly loudness: number;
  readonly peakDb: number;
  readonly soundfont: string;
  /** Longest phrase shared with a training piece, in bars; null when the model has no originality index. */
  readonly longestCopiedBars: number | null;
  /** The originality check: the training piece shared with, takes composed, what happened. */
  readonly originality: Omit<OriginalityOutcome, 'longestCopiedBars'>;
  /** The engraved score's first page (with `score`; JSON `score_png`). */
  readonly scorePng?: string;
  /** The score as MusicXML (with `score`). */
  readonly musicxml?: string;
}

/** `meter` ("3/4") as numerator and denominator (the schema has checked it). */
export function parseMeter(meter: string): { numerator: number; denominator: number } {
  const [numerator, denominator] = meter.split('/').map(Number);
  return { numerator: numerator ?? 4, denominator: denominator ?? 4 };
}

/** With `meter`, seed notes in another meter are refused: the sections and the grammar count bars of one meter. */
function checkSeedMeter(options: ComposeOptions, seedNotes: SeedNotes): void {
  if (options.meter === undefined || seedNotes.bars === 0) return;
  const other = seedNotes.piece.timeSignatures.find((ts) => `${ts.numerator}/${ts.denominator}` !== options.meter);
  if (other) {
    throw new InvalidInputError(`the seed notes are in ${other.numerator}/${other.denominator} but {meter} asks for ${options.meter}: use one meter`, {
      field: 'meter',
    });
  }
}

/** Resolve everything the model needs from validated options and the seed notes. */
export function buildRequest(options: ComposeOptions, seedNotes: SeedNotes): CompositionRequest {
  checkSeedMeter(options, seedNotes);
  const bpm = options.tempo ?? seedNotes.piece.tempos[0]?.bpm ?? 120;
  const timeSignature = options.meter !== undefined ? parseMeter(options.meter) : (seedNotes.piece.timeSignatures.at(-1) ?? { numerator: 4, denominator: 4 });
  const barSeconds = (barLengthBeats(timeSignature) * 60) / bpm;
  const asked = options.bars ?? (options.seconds !== undefined ? Math.max(1, Math.ceil(options.seconds / barSeconds - 1e-9)) : DEFAULT_BARS);
  // A form's sections are of equal length: the bars are rounded down to a multiple of them (docs/form.md).
  const plan = options.form !== undefined ? formPlan(parseForm(options.form), asked) : undefined;
  const bars = plan?.bars ?? asked;
  if (bars <= seedNotes.bars) {
    throw new InvalidInputError(`the piece would be ${bars} bar(s) long but the seed already fills ${seedNotes.bars} — ask for more with {bars} or {seconds}`, {
      field: 'bars',
    });
  }
  const instruments =
    options.instruments !== undefined
      ? parseInstrumentList(options.instruments)
      : styleInstruments(options.style, options.tracks ?? DEFAULT_TRACKS[options.style]);
  // The seed's bars keep their metre; the composed bars continue in the seed's last one.
  const totalBeats = seedNotes.beats + (bars - seedNotes.bars) * barLengthBeats(timeSignature);
  return {
    style: options.style,
    instruments,
    bars,
    totalBeats: seedNotes.bars === 0 ? barsToBeats(seedNotes.piece, bars) : totalBeats,
    bpm,
    timeSignature: { numerator: timeSignature.numerator, denominator: timeSignature.denominator },
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.samplingSeed !== undefined ? { samplingSeed: options.samplingSeed } : {}),
    ...(options.key !== undefined ? { key: parseKey(options.key) } : {}),
    seedBeats: seedNotes.beats,
    ...(plan ? { form: { plan, seedBars: seedNotes.bars } } : {}),
  };
}

function withTempo(piece: Piece, bpm: number): Piece {
  return { ...piece, tempos: [{ time: 0, bpm }] };
}

/** What the model is asked for once the seed notes are read: the notes and the resolved request. */
export interface CompositionPlan {
  readonly seedNotes: SeedNotes;
  readonly request: CompositionRequest;
}

/** Reads the seed notes and resolves the request (compose: `planCompose`; harmonize: src/compose/harmonize.ts). */
export type CompositionPlanner = (options: ComposeOptions) => Promise<CompositionPlan>;

/** The compose plan: the seed notes to continue, and the request that continues them. */
export async function planCompose(options: ComposeOptions): Promise<CompositionPlan> {
  const firstInstrument = options.instruments?.[0];
  const seedNotes = await loadSeed({
    notation: options.seed,
    midi: options.midi,
    seedBars: options.seedBars,
    tempo: options.tempo,
    program: firstInstrument === undefined ? undefined : parseInstrumentList([firstInstrument])[0]?.program,
    meter: options.meter === undefined ? undefined : parseMeter(options.meter),
  });
  return { seedNotes, request: buildRequest(options, seedNotes) };
}

/** Validated options (src/app/compose.ts parses them) → the piece's files and a summary. */
export async function composeToFiles(parsed: ComposeOptions, deps: ComposeDependencies = {}): Promise<ComposeSummary> {
  return (await composeWithPlan(parsed, deps, planCompose)).summary;
}

/** Options → plan → the model's piece → its files; the summary and the piece itself. */
export async function composeWithPlan(
  parsed: ComposeOptions,
  deps: ComposeDependencies,
  plan: CompositionPlanner,
): Promise<{ readonly summary: ComposeSummary; readonly piece: Piece }> {
  // Drawn here, not in the engine: the summary reports it, so a take can be made again.
  const samplingSeed = parsed.samplingSeed ?? randomSamplingSeed();
  const options: ComposeOptions = { ...parsed, samplingSeed };
  const report = deps.onProgress ?? (() => undefined);
  // Fail on a missing tool or soundfont before spending minutes on composing.
  locateRenderTools();
  const soundfont = resolveSoundfont({ explicit: options.soundfont });
  const limits = resolveRenderLimits();

  report({ stage: 'seed', fraction: 0 });
  const { seedNotes, request } = await plan(options);
  const plannedSeconds = beatsToSeconds({ tempos: [{ time: 0, bpm: request.bpm }] }, request.totalBeats);
  if (plannedSeconds > limits.maxSeconds) {
    throw new InvalidInputError(
      `${request.bars} bars at ${request.bpm} BPM last ${Math.round(plannedSeconds)} s, longer than the render limit of ` +
        `${limits.maxSeconds} s (${RENDER_LIMIT_ENV.maxSeconds})`,
    );
  }
  report({ stage: 'seed', fraction: 1 });

  const composer = deps.composer ?? (await (deps.loadComposer ?? loadComposer)(options.model));
  report({ stage: 'compose', fraction: 0 });
  let resampling: string | undefined;
  const original = await composeOriginal({
    model: composer.model,
    samplingSeed,
    allowCopies: options.allowCopies === true,
    // The seed's bars and a harmonized melody are the user's: only what the model wrote counts.
    query: { countFrom: seedNotes.beats, ...(request.harmonize ? { skipTracks: [0] } : {}) },
    ...(deps.originality ? { lookup: deps.originality } : {}),
    onResample: (attempt, bars) => (resampling = `shares ${bars} bars with the training data — composing again (take ${attempt})`),
    compose: async (seed) => {
      const take = await composer.compose(
        seedNotes.piece,
        { ...request, samplingSeed: seed },
        (p) => report({ stage: 'compose', fraction: p.fraction, ...(resampling ? { message: resampling } : p.message ? { message: p.message } : {}) }),
        deps.signal,
      );
      deps.signal?.throwIfAborted();
      if (noteCount(take) === 0) throw new RhythmixError(`the model ${composer.model} produced no notes — try again or raise the temperature`, { exitCode: 1 });
      return take;
    },
  });
  let piece = original.piece;
  if (options.tempo !== undefined) piece = withTempo(piece, options.tempo);
  report({ stage: 'compose', fraction: 1 });

  await mkdir(options.outDir, { recursive: true });
  const midiPath = path.join(options.outDir, 'piece.mid');
  await writeFile(midiPath, writeMidi(piece));
  report({ stage: 'midi', fraction: 1 });

  const job: RenderJob = {
    input: piece,
    audioPath: path.join(options.outDir, 'piece.ogg'),
    imagePath: path.join(options.outDir, 'piece.png'),
    audio: { soundfont, limits },
    pianoRoll: { seedBeats: seedNotes.beats, title: piece.title ?? `Rhythmix · ${options.style}` },
    ...(options.score
      ? {
          score: {
            musicxmlPath: path.join(options.outDir, 'piece.musicxml'),
            ...(deps.onScoreLater ? {} : { imagePath: path.join(options.outDir, 'score.png') }),
            title: piece.title ?? `Rhythmix · ${options.style}`,
            composer: `Rhythmix · model ${composer.model}`,
          },
        }
      : {}),
  };
  const control = { onProgress: report, ...(deps.signal ? { signal: deps.signal } : {}) };
  const rendered = deps.renderIn === 'inline' ? await runRenderJob(job, control) : await runRenderJobInWorker(job, control);
  if (!rendered.audio || !rendered.image) throw new RhythmixError('rendering returned no files', { exitCode: 1 });
  if (rendered.scorePreview !== undefined) deps.onScoreLater?.(rendered.scorePreview);
  report({ stage: 'done', fraction: 1 });

  const beats = pieceLengthBeats(piece);
  const summary: ComposeSummary = {
    midi: midiPath,
    audio: rendered.audio.path,
    image: rendered.image.path,
    seconds: rendered.audio.seconds,
    notes: noteCount(piece),
    model: composer.model,
    style: options.style,
    bars: Math.max(request.bars, Math.ceil(beats / barLengthBeats(request.timeSignature) - 1e-9)),
    tempo: piece.tempos[0]?.bpm ?? request.bpm,
    // The requested key, else the one the piece was conditioned on (drawn or read from the seed).
    ...(request.key ? { key: request.key.name } : piece.key ? { key: keySignatureName(piece.key) } : {}),
    meter: `${request.timeSignature.numerator}/${request.timeSignature.denominator}`,
    form: request.form?.plan.form.name ?? null,
    seedBars: seedNotes.bars,
    // The take kept: a re-sampled piece is made again with its own sampling seed.
    samplingSeed: original.samplingSeed,
    tracks: piece.tracks.map((t) => ({ name: t.name, program: t.program, isDrum: t.isDrum, notes: t.notes.length })),
    loudness: rendered.audio.loudness,
    peakDb: rendered.audio.peakDb,
    soundfont,
    longestCopiedBars: original.outcome.longestCopiedBars,
    originality: { copiedFrom: original.outcome.copiedFrom, attempts: original.outcome.attempts, note: original.outcome.note },
    ...(rendered.score
      ? { scorePng: rendered.score.image.path, musicxml: rendered.score.musicxml }
      : job.score && rendered.scorePreview !== undefined
        ? { musicxml: job.score.musicxmlPath }
        : {}),
  };
  return { summary, piece };
}
