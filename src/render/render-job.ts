/**
 * One render job = audio, piano-roll picture and/or engraved score for a piece. `runRenderJob` does it in this
 * thread (the heavy parts are child processes and resvg's thread pool); `runRenderJobInWorker`
 * moves even the PCM analysis and MIDI parsing onto a worker thread so a bot's event loop
 * never stalls. Both report progress and honour an AbortSignal.
 */
import type { RebuildOptions } from '../jobs/envelope.js';
import { runJob } from '../jobs/launch.js';
import { parseMidi } from '../midi/read.js';
import type { Piece } from '../music/piece.js';
import { workerEntryPath } from '../util/built-entry.js';
import { InvalidInputError } from '../util/errors.js';
import { renderAudio, type AudioRenderResult, type RenderAudioOptions, type RenderProgress } from './audio.js';
import { RenderError, RenderTimeoutError } from './errors.js';
import { writePianoRoll, type PianoRollImage, type PianoRollOptions } from './pianoroll.js';
import { writeScore, writeScoreSource, type ScoreFiles, type ScoreOptions, type ScorePreview } from './score.js';

export interface RenderJob {
  /** MIDI bytes (rendered as they are) or a Piece. */
  readonly input: Uint8Array | Piece;
  /** Ogg/Opus output; no audio when absent. */
  readonly audioPath?: string;
  /** PNG output; no picture when absent. */
  readonly imagePath?: string;
  readonly audio?: Omit<RenderAudioOptions, 'onProgress' | 'signal' | 'tools'>;
  readonly pianoRoll?: PianoRollOptions;
  /**
   * The engraved score (piece.musicxml and score.png, src/render/score.ts); none when absent.
   * Without `imagePath` only piece.musicxml is written and the result's `scorePreview` is what
   * score.png is to be engraved from later (engraveScoreImage).
   */
  readonly score?: ScoreOptions & { readonly musicxmlPath: string; readonly imagePath?: string };
}

export interface RenderJobResult {
  readonly audio?: AudioRenderResult;
  readonly image?: PianoRollImage;
  readonly score?: ScoreFiles;
  /** With a score but no `imagePath`: the MusicXML score.png is to be engraved from. */
  readonly scorePreview?: ScorePreview;
}

export type RenderJobProgress = RenderProgress | { readonly stage: 'image'; readonly fraction: number };

export interface RenderJobControl {
  readonly onProgress?: (progress: RenderJobProgress) => void;
  readonly signal?: AbortSignal;
}

export async function runRenderJob(job: RenderJob, control: RenderJobControl = {}): Promise<RenderJobResult> {
  const piece = job.input instanceof Uint8Array ? parseMidi(job.input, job.audio?.midiLimits) : job.input;
  // The picture is quick and runs on resvg's threads; start it first so it overlaps the audio.
  const image = job.imagePath === undefined ? undefined : writePianoRoll(piece, job.imagePath, job.pianoRoll);
  try {
    const audio =
      job.audioPath === undefined
        ? undefined
        : await renderAudio(job.input instanceof Uint8Array ? job.input : piece, job.audioPath, {
            ...job.audio,
            ...(control.onProgress ? { onProgress: control.onProgress } : {}),
            ...(control.signal ? { signal: control.signal } : {}),
          });
    const picture = await image;
    if (picture) control.onProgress?.({ stage: 'image', fraction: 1 });
    control.signal?.throwIfAborted();
    // After the audio: engraving is synchronous wasm, and the audio's tools need this thread's turns.
    const { score, scorePreview } = await writeScoreFiles(piece, job.score);
    return { ...(audio ? { audio } : {}), ...(picture ? { image: picture } : {}), ...(score ? { score } : {}), ...(scorePreview ? { scorePreview } : {}) };
  } finally {
    await image?.catch(() => undefined);
  }
}

async function writeScoreFiles(piece: Piece, score: RenderJob['score']): Promise<Pick<RenderJobResult, 'score' | 'scorePreview'>> {
  if (score === undefined) return {};
  if (score.imagePath === undefined) return { scorePreview: await writeScoreSource(piece, score.musicxmlPath, score) };
  return { score: await writeScore(piece, { musicxml: score.musicxmlPath, image: score.imagePath }, score) };
}

// ---- worker thread ----

/** Render errors keep their class across the thread boundary; anything else becomes a RenderError. */
export const RENDER_ERROR_CLASSES: RebuildOptions = {
  classes: {
    SeedSyntaxError: (message) => new InvalidInputError(message),
    RenderTimeoutError: (message) => new RenderTimeoutError(message),
    RenderError: (message) => new RenderError(message),
  },
  unknown: (error) => new RenderError(`render worker: ${error.message}`),
};

/**
 * How long a cancelled worker gets to kill fluidsynth/ffmpeg and remove its temporary files
 * before it is terminated (that takes milliseconds, but a loaded machine may still be loading
 * the worker's modules).
 */
const CANCEL_GRACE_MS = 10_000;

/** `runRenderJob` on a worker thread (src/workers/render.ts); a cancel reaches its tools before the thread ends. */
export function runRenderJobInWorker(job: RenderJob, control: RenderJobControl = {}): Promise<RenderJobResult> {
  return runJob<RenderJobResult, RenderJobProgress>(workerEntryPath('render'), job, {
    via: 'thread',
    name: 'render worker',
    graceMs: CANCEL_GRACE_MS,
    ...RENDER_ERROR_CLASSES,
    ...(control.onProgress ? { onProgress: control.onProgress } : {}),
    ...(control.signal ? { signal: control.signal } : {}),
  });
}
