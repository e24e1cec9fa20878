/**
 * One render job = audio and/or piano-roll picture for a piece. `runRenderJob` does it in this
 * thread (the heavy parts are child processes and resvg's thread pool); `runRenderJobInWorker`
 * moves even the PCM analysis and MIDI parsing onto a worker thread so a bot's event loop
 * never stalls. Both report progress and honour an AbortSignal.
 */
import { Worker } from 'node:worker_threads';
import { parseMidi } from '../midi/read.js';
import type { Piece } from '../music/piece.js';
import { workerEntryPath } from '../util/built-entry.js';
import { InvalidInputError, MissingDependencyError, RhythmixError } from '../util/errors.js';
import { renderAudio, type AudioRenderResult, type RenderAudioOptions, type RenderProgress } from './audio.js';
import { RenderError, RenderTimeoutError } from './errors.js';
import { writePianoRoll, type PianoRollImage, type PianoRollOptions } from './pianoroll.js';

export interface RenderJob {
  /** MIDI bytes (rendered as they are) or a Piece. */
  readonly input: Uint8Array | Piece;
  /** Ogg/Opus output; no audio when absent. */
  readonly audioPath?: string;
  /** PNG output; no picture when absent. */
  readonly imagePath?: string;
  readonly audio?: Omit<RenderAudioOptions, 'onProgress' | 'signal' | 'tools'>;
  readonly pianoRoll?: PianoRollOptions;
}

export interface RenderJobResult {
  readonly audio?: AudioRenderResult;
  readonly image?: PianoRollImage;
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
    return { ...(audio ? { audio } : {}), ...(picture ? { image: picture } : {}) };
  } finally {
    await image?.catch(() => undefined);
  }
}

// ---- worker thread ----

/** Messages from src/workers/render.ts. */
export type RenderWorkerMessage =
  | { readonly type: 'progress'; readonly progress: RenderJobProgress }
  | { readonly type: 'result'; readonly result: RenderJobResult }
  | { readonly type: 'error'; readonly error: SerializedError };

export type RenderWorkerRequest = { readonly type: 'cancel' };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

export function serializeError(error: unknown): SerializedError {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** Rebuild the error class on this side so the CLI and bot map it to the right exit code. */
export function deserializeError(error: SerializedError): Error {
  switch (error.name) {
    case 'InvalidInputError':
    case 'SeedSyntaxError':
      return new InvalidInputError(error.message);
    case 'MissingDependencyError':
      return new MissingDependencyError(error.message);
    case 'RenderTimeoutError':
      return new RenderTimeoutError(error.message);
    case 'RenderError':
      return new RenderError(error.message);
    default:
      return error.name === 'RhythmixError' ? new RhythmixError(error.message) : new RenderError(`render worker: ${error.message}`);
  }
}

/**
 * How long a cancelled worker gets to kill fluidsynth/ffmpeg and remove its temporary files
 * before it is terminated (that takes milliseconds, but a loaded machine may still be loading
 * the worker's modules).
 */
const CANCEL_GRACE_MS = 10_000;

export function runRenderJobInWorker(job: RenderJob, control: RenderJobControl = {}): Promise<RenderJobResult> {
  const worker = new Worker(workerEntryPath('render'), { workerData: job });
  return new Promise<RenderJobResult>((resolve, reject) => {
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      control.signal?.removeEventListener('abort', onAbort);
      action();
      void worker.terminate();
    };
    const onAbort = (): void => {
      // Let the worker kill its child processes first; terminate() alone would orphan them.
      worker.postMessage({ type: 'cancel' } satisfies RenderWorkerRequest);
      setTimeout(() => finish(() => reject(control.signal?.reason ?? new RenderError('render cancelled'))), CANCEL_GRACE_MS).unref();
    };
    if (control.signal?.aborted) onAbort();
    else control.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: RenderWorkerMessage) => {
      if (message.type === 'progress') control.onProgress?.(message.progress);
      else if (message.type === 'result') finish(() => resolve(message.result));
      else finish(() => reject(control.signal?.aborted ? (control.signal.reason ?? deserializeError(message.error)) : deserializeError(message.error)));
    });
    worker.on('error', (error) => finish(() => reject(new RenderError(`render worker crashed: ${error.message}`, { cause: error }))));
    worker.on('exit', (code) => finish(() => reject(new RenderError(`render worker exited early (code ${code})`))));
  });
}
