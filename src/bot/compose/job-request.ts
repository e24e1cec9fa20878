/** What a compose job is asked to do, shared by the compose flow, its PendingJob row and the Try again button. */
import type { ButtonInteraction, ChatInputCommandInteraction } from 'discord.js';
import { DEFAULT_BARS, DEFAULT_TRACKS } from '../../compose/pipeline.js';
import type { PieceKind } from '../../db/pieces.js';
import { isStyle } from '../../music/styles.js';
import type { ComposeChildInput } from '../../workers/compose-worker.js';
import type { ComposeRequestInput } from './request.js';

export type ComposeInteraction = ChatInputCommandInteraction | ButtonInteraction;

/** Where the seed MIDI comes from: an upload to download, or a stored piece's file. */
export type MidiSource = { readonly url: string; readonly name: string } | { readonly path: string; readonly name: string };

export interface ComposeJobRequest {
  readonly kind: PieceKind;
  /** The use case the job runs: compose (default) or harmonize (/harmonize: `input` is its options). */
  readonly useCase?: ComposeChildInput['useCase'];
  readonly parentId?: number;
  /** The compose options (no midi/outDir/model); stored with the piece and replayed by buttons. */
  readonly input: ComposeRequestInput;
  readonly midi?: MidiSource;
  readonly play: boolean;
}

/** A job's folder in the pieces folder until it becomes pieces/<id>/; one left at start belongs to a dead job. */
export const WORK_DIR_PREFIX = '.work-';

/**
 * How much work a compose job is, for the queue's duration estimate ("try again in N s"):
 * bars × tracks, with the pipeline's defaults where the request leaves them out.
 */
export function composeJobSize(request: ComposeJobRequest): number {
  const { input } = request;
  const bars = typeof input.bars === 'number' ? input.bars : typeof input.seconds === 'number' ? Math.ceil(input.seconds / 2) : DEFAULT_BARS;
  const style = typeof input.style === 'string' && isStyle(input.style) ? input.style : 'folk';
  const tracks = typeof input.tracks === 'number' ? input.tracks : Array.isArray(input.instruments) ? input.instruments.length : DEFAULT_TRACKS[style];
  return Math.max(1, bars) * Math.max(1, tracks);
}
