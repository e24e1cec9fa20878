/**
 * The boundary between the compose pipeline and the model: a Composer continues seed notes into a
 * whole piece. The LSTM engine provides the real implementation (lstm-composer.ts).
 */
import type { FormPlan } from '../music/form.js';
import type { Key } from '../music/key.js';
import type { Piece, TimeSignature } from '../music/piece.js';
import type { Style } from '../music/styles.js';
import type { InstrumentSpec } from './instruments.js';

/** Everything the model is asked for, resolved and validated. */
export interface CompositionRequest {
  readonly style: Style;
  /** One entry per wanted track, in order. */
  readonly instruments: readonly InstrumentSpec[];
  /** Length of the whole result in bars, seed included. */
  readonly bars: number;
  /** Length of the whole result in quarter notes, seed included (follows the time signature). */
  readonly totalBeats: number;
  readonly bpm: number;
  readonly timeSignature: Pick<TimeSignature, 'numerator' | 'denominator'>;
  /** Sampling temperature; undefined = the engine's default. */
  readonly temperature?: number;
  /** Top-k sampling cut-off; undefined = the engine's default. */
  readonly topK?: number;
  /** Seed of the sampler (same sampling seed and request, same piece); undefined = the engine's default. */
  readonly samplingSeed?: number;
  /** Key constraint, when asked for. */
  readonly key?: Key;
  /** Length of the seed notes in quarter notes (0 without seed notes): the result must start with them. */
  readonly seedBeats: number;
  /**
   * Harmonize instead of continue: the seed notes' first track is the melody of the whole piece,
   * kept exactly as track 0 (the first instrument) while the model writes the other tracks around it.
   */
  readonly harmonize?: boolean;
  /**
   * A form (docs/form.md): its sections (the piece is `plan.bars` long), returning sections
   * restating their first statement, the last bar closing on the tonic chord. Sections starting
   * within the seed notes' `seedBars` are the seed's.
   */
  readonly form?: { readonly plan: FormPlan; readonly seedBars: number };
}

export interface ComposerProgress {
  /** 0..1 of the generation. */
  readonly fraction: number;
  readonly message?: string;
}

export interface Composer {
  /** Model name or directory, reported in summaries. */
  readonly model: string;
  /** Continue `seedNotes` (possibly empty) to `request.totalBeats`; the result starts with them. */
  compose(seedNotes: Piece, request: CompositionRequest, onProgress: (progress: ComposerProgress) => void, signal?: AbortSignal): Promise<Piece>;
}

/** Finds a composer for `--model` (undefined = the default model). */
export type ComposerLoader = (model: string | undefined) => Promise<Composer>;
