/**
 * MIDI → Ogg/Opus. FluidSynth renders float PCM (file rendering, no audio driver, voices on two
 * threads) into memory while Node measures peak and loudness as it arrives; ffmpeg, started at the
 * same time so its start-up overlaps the synthesis, then encodes with the gain that brings the
 * piece to the loudness target (peaks capped by a limiter) and trailing silence beyond the release
 * tail trimmed (optionally a long piece as segments on several ffmpegs at once, joined into one
 * stream: encoder.ts). Float PCM means nothing clips before the gain is applied. The MIDI file FluidSynth
 * reads lives in a temporary directory that is always removed; a timeout kills every tool.
 *
 * What each choice saved was measured against the pipeline from before the speed work (since
 * removed): docs/rendering.md.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseMidi } from '../midi/read.js';
import type { MidiLimits } from '../midi/limits.js';
import { writeMidi } from '../midi/write.js';
import { beatsToSeconds, noteCount, pieceLengthBeats, type Piece } from '../music/piece.js';
import { InvalidInputError } from '../util/errors.js';
import { stderrSummary } from './child-process.js';
import { OPUS_COMPLEXITY, startEncoder, type Encoder } from './encoder.js';
import { RenderError, RenderTimeoutError } from './errors.js';
import { RENDER_LIMIT_ENV, resolveRenderLimits, type RenderLimits } from './limits.js';
import { defaultSynthThreads } from './fluidsynth.js';
import { ANALYSIS_SAMPLE_RATE, audibleEndFrame, type LevelAnalysis } from './loudness.js';
import { resolveSoundfont } from './soundfonts.js';
import { synthesize, type Synthesis } from './synthesis.js';
import { locateRenderTools, type RenderTools } from './tools.js';

export const SAMPLE_RATE = ANALYSIS_SAMPLE_RATE;

export interface LevelTarget {
  /** Integrated loudness aimed for, LUFS. */
  readonly loudnessLufs: number;
  /** Highest sample peak allowed, dBFS; wins over the loudness target. */
  readonly maxPeakDb: number;
  /** Most gain ever applied. FluidSynth output has no noise floor, but a render this quiet is a mistake. */
  readonly maxGainDb: number;
  /**
   * How far the look-ahead limiter may pull peaks down to reach the loudness target. Pieces with
   * sharp transients (drums, plucked attacks) would otherwise stay far below the target.
   */
  readonly maxLimitingDb: number;
}

export const DEFAULT_LEVEL: LevelTarget = Object.freeze({ loudnessLufs: -16, maxPeakDb: -1, maxGainDb: 60, maxLimitingDb: 8 });

export interface RenderProgress {
  readonly stage: 'synthesis' | 'encoding';
  /** 0..1 within the stage. */
  readonly fraction: number;
}

export interface RenderAudioOptions {
  /** `--soundfont`; otherwise SOUNDFONT, soundfonts/, the system's GM soundfonts. */
  readonly soundfont?: string | undefined;
  readonly tools?: RenderTools;
  readonly limits?: Partial<RenderLimits>;
  /** Limits for parsing MIDI bytes (ignored for a Piece). */
  readonly midiLimits?: Partial<MidiLimits>;
  readonly level?: Partial<LevelTarget>;
  /** Longest release/reverb tail kept after the last note-off, seconds. */
  readonly tailSeconds?: number;
  /** Opus bitrate in kbit/s. */
  readonly bitrateKbps?: number;
  /** Threads FluidSynth renders voices on; default two where the machine has them. */
  readonly synthThreads?: number;
  /** ffmpeg processes encoding consecutive segments in parallel (encoder.ts); default 1. */
  readonly encoderSegments?: number;
  readonly onProgress?: (progress: RenderProgress) => void;
  readonly signal?: AbortSignal;
}

export interface AudioRenderResult {
  readonly path: string;
  /** Length of the audio file. */
  readonly seconds: number;
  /** Sample peak of the normalised audio, dBFS (before Opus coding). */
  readonly peakDb: number;
  /** Integrated loudness of the normalised audio, LUFS. */
  readonly loudness: number;
  /** Gain applied to FluidSynth's output, dB. */
  readonly gainDb: number;
  /** Where the last note ends, seconds. */
  readonly noteSeconds: number;
  readonly notes: number;
  readonly soundfont: string;
}

/** Audible level below which trailing audio is cut, dBFS after normalisation. */
const TRIM_THRESHOLD_DB = -60;
const FADE_OUT_SECONDS = 0.05;
const DEFAULT_TAIL_SECONDS = 3;
const DEFAULT_BITRATE_KBPS = 128;
const DEFAULT_ENCODER_SEGMENTS = 1;

interface PreparedInput {
  readonly piece: Piece;
  readonly midi: Uint8Array;
}

function prepareInput(input: Uint8Array | Piece, midiLimits: Partial<MidiLimits> | undefined): PreparedInput {
  // User MIDI is rendered from its own bytes (pedal, pitch bend and controllers survive);
  // parsing it first validates it and gives the note count and length.
  if (input instanceof Uint8Array) return { piece: parseMidi(input, midiLimits), midi: input };
  return { piece: input, midi: writeMidi(input) };
}

/** A render request checked and resolved: what the pipeline starts from. */
export interface RenderSetup extends PreparedInput {
  readonly limits: RenderLimits;
  readonly tools: RenderTools;
  readonly soundfont: string;
  readonly notes: number;
  readonly noteSeconds: number;
  readonly tailSeconds: number;
  readonly level: LevelTarget;
  /** Aborted with a RenderTimeoutError once the time limit has passed; clear `timer` when done. */
  readonly timeout: AbortController;
  readonly timer: NodeJS.Timeout;
}

/** Resolves tools, soundfont and limits, refuses empty or over-long pieces and starts the time limit. */
export function setUpRender(input: Uint8Array | Piece, options: RenderAudioOptions): RenderSetup {
  const limits = resolveRenderLimits(options.limits);
  const tools = options.tools ?? locateRenderTools();
  const soundfont = resolveSoundfont({ explicit: options.soundfont });
  const { piece, midi } = prepareInput(input, options.midiLimits);
  const notes = noteCount(piece);
  if (notes === 0) throw new InvalidInputError('the piece has no notes — nothing to render');
  const noteSeconds = beatsToSeconds(piece, pieceLengthBeats(piece));
  if (noteSeconds > limits.maxSeconds) {
    throw new InvalidInputError(
      `the piece lasts ${noteSeconds.toFixed(0)} s, longer than the render limit of ${limits.maxSeconds} s ` + `(raise it with ${RENDER_LIMIT_ENV.maxSeconds})`,
    );
  }
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new RenderTimeoutError(
          `rendering took longer than ${limits.timeoutSeconds} s and was stopped ` + `(raise the limit with ${RENDER_LIMIT_ENV.timeoutSeconds})`,
        ),
      ),
    limits.timeoutSeconds * 1000,
  );
  return {
    piece,
    midi,
    limits,
    tools,
    soundfont,
    notes,
    noteSeconds,
    tailSeconds: options.tailSeconds ?? DEFAULT_TAIL_SECONDS,
    level: { ...DEFAULT_LEVEL, ...options.level },
    timeout,
    timer,
  };
}

/** Render MIDI bytes or a Piece to an Ogg/Opus file at `outPath`. */
export async function renderAudio(input: Uint8Array | Piece, outPath: string, options: RenderAudioOptions = {}): Promise<AudioRenderResult> {
  const { piece, midi, tools, soundfont, notes, noteSeconds, tailSeconds, level, timeout, timer } = setUpRender(input, options);
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'rhythmix-render-'));
  const partialOut = `${outPath}.partial-${process.pid}-${Date.now()}.ogg`;
  // Aborted on the way out: whatever is still running (an error path) is killed.
  const done = new AbortController();
  const signal = AbortSignal.any([...(options.signal ? [options.signal] : []), timeout.signal, done.signal]);
  let encoder: Encoder | undefined;
  let synthesis: Promise<Synthesis> | undefined;
  try {
    const midiPath = path.join(workDir, 'input.mid');
    await writeFile(midiPath, midi);
    const maxFrames = Math.ceil((noteSeconds + tailSeconds) * SAMPLE_RATE);
    const threads = options.synthThreads ?? defaultSynthThreads();
    const onProgress = options.onProgress;
    // FluidSynth first: it is on the critical path, and each spawn blocks this thread for a fork.
    synthesis = synthesize(tools.fluidsynth, soundfont, midiPath, {
      sampleRate: SAMPLE_RATE,
      threads,
      // Nothing after the release tail is kept, so FluidSynth stops there.
      maxFrames,
      signal,
      onProgress: onProgress && ((fraction) => onProgress({ stage: 'synthesis', fraction })),
    });
    encoder = startEncoder(tools.ffmpeg, {
      sampleRate: SAMPLE_RATE,
      ceilingDb: level.maxPeakDb,
      bitrateKbps: options.bitrateKbps ?? DEFAULT_BITRATE_KBPS,
      complexity: OPUS_COMPLEXITY,
      title: piece.title,
      // One ffmpeg by default: a second one's start-up (~0.1 CPU-s) cost more than it saved on the
      // shared 2-core machine this was measured on; on idle cores two may pay (bench --encoders 2).
      segments: options.encoderSegments ?? DEFAULT_ENCODER_SEGMENTS,
      signal,
    });
    const analysis = await synthesis;
    if (analysis.frames === 0) throw new RenderError('fluidsynth produced no audio for this MIDI file');
    if (analysis.peak < 1e-5) {
      const programs = [...new Set(piece.tracks.map((t) => (t.isDrum ? 'drums' : String(t.program))))].join(', ');
      throw new RenderError(
        `the rendered audio is silent — the soundfont ${path.basename(soundfont)} has no sound for this piece's instruments ` +
          `(programs ${programs})${analysis.stderr ? `; fluidsynth said: ${stderrSummary(analysis.stderr)}` : ''}`,
      );
    }
    const gainDb = chooseGain(analysis, level);
    const endFrame = audibleEndFrame(analysis, {
      gainDb,
      thresholdDb: TRIM_THRESHOLD_DB,
      minFrames: Math.round(noteSeconds * SAMPLE_RATE),
      maxFrames,
    });
    const seconds = endFrame / SAMPLE_RATE;
    const ogg = await encoder.encode({
      pcm: analysis.pcm,
      endFrame,
      gainDb,
      fadeFrames: Math.round(FADE_OUT_SECONDS * SAMPLE_RATE),
      onProgress: onProgress && ((fraction) => onProgress({ stage: 'encoding', fraction })),
    });
    await writeFile(partialOut, ogg);
    await rename(partialOut, outPath);
    return {
      path: outPath,
      seconds,
      peakDb: Math.min(analysis.peakDb + gainDb, level.maxPeakDb),
      // Measured before the limiter, which only shaves short peaks (≤ maxLimitingDb).
      loudness: analysis.loudnessLufs + gainDb,
      gainDb,
      noteSeconds,
      notes,
      soundfont,
    };
  } catch (error) {
    if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    done.abort(new RenderError('render finished'));
    await Promise.all([encoder?.abandon(), synthesis?.catch(() => undefined)]);
    await Promise.all([rm(workDir, { recursive: true, force: true }), rm(partialOut, { force: true })]);
  }
}

/**
 * Gain towards the loudness target. Peaks may end up to `maxLimitingDb` above the ceiling: the
 * limiter in the encoder brings them back under it.
 */
export function chooseGain(analysis: Pick<LevelAnalysis, 'peakDb' | 'loudnessLufs'>, level: LevelTarget): number {
  const towardsTarget = Number.isFinite(analysis.loudnessLufs) ? level.loudnessLufs - analysis.loudnessLufs : level.maxGainDb;
  const headroom = level.maxPeakDb - analysis.peakDb + level.maxLimitingDb;
  return Math.min(towardsTarget, headroom, level.maxGainDb);
}
