/**
 * What a user sees of a compose the bot could not finish because it stopped or died: the text,
 * the "Try again" button (custom id `job:retry:<pending job id>`) and the message saying new
 * composes wait for the restart. Pure.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { PIECE_KINDS, type JsonObject, type PieceKind } from '../../db/index.js';
import type { ComposeJobRequest, MidiSource } from './job-request.js';

const RETRY_PREFIX = 'job:retry:';

export const RESTARTING_TEXT = '🔁 Rhythmix is restarting — try again in a minute.';

export function retryButtonId(pendingJobId: number): string {
  return `${RETRY_PREFIX}${pendingJobId}`;
}

export function isRetryButton(customId: string): boolean {
  return customId.startsWith(RETRY_PREFIX);
}

/** The pending job id of a retry button, or undefined for a malformed id. */
export function parseRetryButtonId(customId: string): number | undefined {
  const id = Number(customId.slice(RETRY_PREFIX.length));
  return isRetryButton(customId) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function retryRow(pendingJobId: number) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(retryButtonId(pendingJobId)).setLabel('Try again').setEmoji('🔁').setStyle(ButtonStyle.Primary),
  );
}

const WHAT: Record<PieceKind, string> = { original: 'piece', variation: 'variation', continuation: 'continuation', reroll: 're-roll' };

/** The sentence for a job cut short; `retry` says whether a Try again button comes with it. */
export function interruptedText(kind: string, retry: boolean): string {
  const what = WHAT[kind as PieceKind] ?? 'piece';
  return `⚠️ Rhythmix restarted before your ${what} was done${retry ? ' — press **Try again** to compose it anew.' : ' — please ask again.'}`;
}

/** An edit of the reply that leaves nothing of the progress message behind. */
export function interruptedReply(kind: string, pendingJobId: number | undefined) {
  return {
    content: interruptedText(kind, pendingJobId !== undefined),
    embeds: [],
    files: [],
    components: pendingJobId !== undefined ? [retryRow(pendingJobId)] : [],
  };
}

/** A request as stored in its PendingJob row. */
export function requestToJson(request: ComposeJobRequest): JsonObject {
  return JSON.parse(JSON.stringify(request)) as JsonObject;
}

function isMidiSource(value: unknown): value is MidiSource {
  if (value === null || typeof value !== 'object') return false;
  const source = value as Record<string, unknown>;
  return typeof source.name === 'string' && (typeof source.url === 'string' || typeof source.path === 'string');
}

/** A stored request back, or undefined when the row does not hold one this version understands. */
export function requestFromJson(json: JsonObject): ComposeJobRequest | undefined {
  const { kind, parentId, input, midi, play, useCase } = json;
  if (typeof kind !== 'string' || !(PIECE_KINDS as readonly string[]).includes(kind)) return undefined;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  if (midi !== undefined && !isMidiSource(midi)) return undefined;
  return {
    kind: kind as PieceKind,
    ...(typeof parentId === 'number' ? { parentId } : {}),
    input: input as ComposeJobRequest['input'],
    ...(midi !== undefined ? { midi } : {}),
    // A /harmonize cut short is tried again as a harmonize, not as a compose of its melody.
    ...(useCase === 'harmonize' ? { useCase } : {}),
    play: play === true,
  };
}
